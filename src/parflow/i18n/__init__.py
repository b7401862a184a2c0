"""Words for people: the message catalogue (Vietnamese first, English beside it) and formatting.

Catalogue entries live in `parflow/i18n/catalog/*.py`, one module per area, each defining
`MESSAGES = {key: (vietnamese, english)}`; a key defined twice is an error at import.

Errors and guards carry a key and parameters; whoever shows them to a person calls `t()` with that
person's language. Dates are dd/mm/yyyy in both languages (the official form); scores use a decimal
comma in Vietnamese (95,98) and a point in English.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal

from parflow.i18n.catalog import load_catalogues

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

MESSAGES: dict[str, tuple[str, str]] = load_catalogues()


def normalise_language(value: str | None) -> str:
    if not value:
        return DEFAULT_LANGUAGE
    code = value.strip().lower()[:2]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def language_from_header(header: str | None) -> str | None:
    """The first supported language of an Accept-Language header, or None."""
    if not header:
        return None
    for part in header.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return None


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: Any) -> str:
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    template = pair[1] if lang == "en" else pair[0]
    return template.format(**{k: format_value(v, lang) for k, v in params.items()})


def format_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def format_instant(value: datetime, timezone: str = "Asia/Ho_Chi_Minh") -> str:
    return value.astimezone(ZoneInfo(timezone)).strftime("%H:%M %d/%m/%Y")


def format_score(value: Decimal | int | float | str | None, lang: str = DEFAULT_LANGUAGE) -> str:
    if value is None:
        return "—"
    number = Decimal(str(value))
    return format_decimal(number, format="#,##0.00", locale="vi_VN" if lang == "vi" else "en_US")


def format_value(value: Any, lang: str) -> str:
    if hasattr(value, "vi") and hasattr(value, "en"):  # a bilingual label
        return str(value.en if lang == "en" else value.vi)
    if isinstance(value, datetime):
        return format_instant(value)
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, Decimal):
        return format_score(value, lang)
    return str(value)
