"""The navigation bar: which pages a person's roles lead to."""

from __future__ import annotations

from dataclasses import dataclass

from parflow.services.access import Principal


@dataclass(frozen=True)
class NavItem:
    href: str
    vi: str
    en: str
    current: bool = False


def nav_items(user: Principal | None, path: str) -> list[NavItem]:
    items = [NavItem("/", "Trang chủ", "Home")]
    if user is None:
        items.append(NavItem("/results", "Kết quả công bố", "Published results"))
    return [NavItem(i.href, i.vi, i.en, current=(path == i.href)) for i in items]
