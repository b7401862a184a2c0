"""Keyset pagination: a page is "the next `limit` rows after this sort key", never an OFFSET.

An OFFSET makes the database walk past every earlier row, so page 40 of a long list costs forty
pages; a keyset (`WHERE (a, b) > (:a, :b) ORDER BY a, b LIMIT n`) starts where the last page ended,
through the index. The cursor given to clients is the last row's sort key, JSON in URL-safe
base64: opaque to them, checked when it comes back.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import and_, or_

from parflow.domain.errors import Invalid, Unmet

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    # the sort key of the last row when more rows follow, else None
    next_key: tuple[Any, ...] | None


def encode(key: tuple[Any, ...]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in key]
    raw = json.dumps(plain, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, kinds: tuple[type, ...]) -> tuple[Any, ...]:
    """The sort key a cursor carries, each part checked against `kinds` (str, int or datetime)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError("wrong length")
        key: list[Any] = []
        for value, kind in zip(values, kinds, strict=True):
            if kind is datetime:
                value = datetime.fromisoformat(value)
                if value.tzinfo is None:
                    raise ValueError("an instant without its zone")
            elif not isinstance(value, kind) or isinstance(value, bool):
                raise ValueError("wrong type")
            key.append(value)
        return tuple(key)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise Invalid("paging.bad_cursor", unmet=[Unmet("paging.bad_cursor", {}, "cursor")]) from exc


def after_instant(
    at_column: Any, id_column: Any, key: tuple[datetime, int], *, descending: bool = False
) -> Any:
    """`(at, id) > key` (or `<`) spelled out, so the instant is bound with the column's own type."""
    at, row_id = key
    if descending:
        return or_(at_column < at, and_(at_column == at, id_column < row_id))
    return or_(at_column > at, and_(at_column == at, id_column > row_id))


def page_of(rows: list[T], limit: int, key: Any) -> Page[T]:
    """Cut a result fetched with LIMIT limit + 1 into a page and the key to continue from."""
    if len(rows) > limit:
        rows = rows[:limit]
        return Page(rows, key(rows[-1]))
    return Page(rows, None)
