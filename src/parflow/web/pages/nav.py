"""The navigation bar: which pages a person's roles lead to, for the campaign in view."""

from __future__ import annotations

from dataclasses import dataclass

from parflow.domain.roles import AGENCY_ROLES, Role
from parflow.services.common.access import CAMPAIGN_WIDE_READERS, Principal

NOTIFICATION_READERS = frozenset({Role.home_affairs, Role.city_leader})


@dataclass(frozen=True)
class CampaignRef:
    """A campaign the signed-in person takes part in (for the navigation bar)."""

    id: int
    code: str
    title: str
    published: bool


@dataclass(frozen=True)
class NavItem:
    href: str
    vi: str
    en: str
    current: bool = False


def campaign_in_view(campaigns: list[CampaignRef], path: str) -> CampaignRef | None:
    """The campaign named in the address when the person takes part in it, else their latest."""
    parts = path.split("/")
    if len(parts) > 2 and parts[1] == "campaigns":
        for c in campaigns:
            if c.code == parts[2]:
                return c
    return campaigns[0] if campaigns else None


def nav_items(user: Principal | None, path: str, campaigns: list[CampaignRef] | None = None) -> list[NavItem]:
    items = [NavItem("/", "Trang chủ", "Home")]
    campaign = campaign_in_view(campaigns or [], path) if user is not None else None
    if user is not None and campaign is not None:
        roles = user.roles_in(campaign.id)
        base = f"/campaigns/{campaign.code}"
        if roles & CAMPAIGN_WIDE_READERS:
            items.append(NavItem(f"{base}/board", "Bảng theo dõi", "Board"))
        if roles & AGENCY_ROLES:
            items.append(NavItem(f"{base}/mine", "Hồ sơ của cơ quan", "Our submission"))
        if Role.council in roles:
            items.append(NavItem(f"{base}/council", "Thẩm định", "Appraisal"))
        items.append(NavItem(base, "Đợt đánh giá", "Campaign"))
        if roles & NOTIFICATION_READERS:
            items.append(NavItem(f"{base}/publication", "Phê duyệt, công bố", "Approval"))
            items.append(NavItem(f"{base}/notifications", "Thư đã gửi", "Messages"))
        items.append(NavItem(f"{base}/workflow", "Quy trình", "Workflow"))
    items.append(NavItem("/results", "Kết quả công bố", "Published results"))
    return [NavItem(i.href, i.vi, i.en, current=(path == i.href)) for i in items]
