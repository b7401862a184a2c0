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
from datetime import UTC, datetime
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


# Every key part that is an integer is an id or a sequence number, stored in 32-bit INTEGER
# columns: a larger number cannot match a row and would overflow the database driver (SQLite's
# 64-bit limit, PostgreSQL's INTEGER cast) into a server error.
KEY_INT_MIN = 0
KEY_INT_MAX = 2**31 - 1


def _refuse_constant(name: str) -> Any:
    # json.loads would otherwise turn NaN / Infinity into floats
    raise ValueError(f"{name} is not a sort key")


def _key_part(value: Any, kind: type) -> Any:
    """One part of a sort key, checked by type and range; ValueError when it is not one we made."""
    if kind is datetime:
        if not isinstance(value, str):
            raise ValueError("an instant is written as text")
        instant = datetime.fromisoformat(value)
        if instant.tzinfo is None:
            raise ValueError("an instant without its zone")
        # the columns hold UTC: an instant near year 1 or 9999 may not survive the move
        # (OverflowError), so the move happens here, where it can be refused
        return instant.astimezone(UTC)
    if kind is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError("wrong type")
        if not KEY_INT_MIN <= value <= KEY_INT_MAX:
            raise ValueError("out of range")
        return value
    if kind is str:
        if not isinstance(value, str):
            raise ValueError("wrong type")
        # NUL is refused by PostgreSQL, a lone surrogate by every UTF-8 encoder: neither is in a code
        value.encode("utf-8")
        if "\x00" in value:
            raise ValueError("NUL in a sort key")
        return value
    raise TypeError(f"no rule for sort keys of type {kind.__name__}")


def decode(cursor: str, kinds: tuple[type, ...]) -> tuple[Any, ...]:
    """The sort key a cursor carries, each part checked against `kinds` (str, int or datetime) by
    type and range: a cursor comes back from the client, so it is input like any other."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw, parse_constant=_refuse_constant)
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError("wrong length")
        return tuple(_key_part(value, kind) for value, kind in zip(values, kinds, strict=True))
    except (ValueError, OverflowError, binascii.Error, UnicodeError) as exc:
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
