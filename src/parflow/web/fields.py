"""Whole numbers read from HTML forms and multipart fields (hidden versions, chosen ids).

`str.isdigit()` is true for '²', '٣' and other Unicode digits, which `int()` then refuses (a server
error) or reads as a different number; and a long run of digits overflows the database driver when
it is used as an id. These fields come back from the client as text, so they are read here, as
ASCII digits only, within the range of the integer columns they are compared with.
"""

from __future__ import annotations

import re

from parflow.domain.errors import Invalid

# ids and versions live in 32-bit INTEGER columns
MAX_WHOLE = 2**31 - 1
_ASCII_DIGITS = re.compile(r"[0-9]{1,10}")
# what a refusal repeats of the typed text: enough to recognise it, never a page of it
SHOWN_CHARS = 20


def whole_number(text: str | None) -> int | None:
    """The number written in `text` (surrounding spaces allowed), or None when it is not one."""
    value = (text or "").strip()
    if not _ASCII_DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if number <= MAX_WHOLE else None


def version_field(text: str | None) -> int | None:
    """An `expected_version` field: None when empty (no check), else the number; any other text
    is a 422 with a sentence (silently ignoring it would switch the version check off)."""
    if not (text or "").strip():
        return None
    number = whole_number(text)
    if number is None:
        raise Invalid("web.version_unreadable", value=shown(text or ""))
    return number


def shown(text: str) -> str:
    """The typed text as a refusal may quote it."""
    value = text.strip()
    return value if len(value) <= SHOWN_CHARS else value[:SHOWN_CHARS] + "…"
