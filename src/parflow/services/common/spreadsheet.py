"""Cells of the CSV and XLSX files parflow writes (published results, `parflow status`).

Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` as a formula, and some drop a
leading tab or carriage return before looking: text typed by one person (an exclusion reason, an
agency name) would become a live formula, a `HYPERLINK` say, in a file the public opens. Such text
is written with a leading apostrophe, which spreadsheets show as text (the usual defence, OWASP's
"CSV injection"); the XLSX writer also stores it as an explicit string cell. Numbers, negative ones
included, and text that is only a number stay as they are, so columns of scores still add up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# "-1.5", "+2": a spreadsheet reads these as numbers, never as formulas
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]+)?|[.,][0-9]+)")


def formula_like(value: Any) -> bool:
    """Whether a spreadsheet could take this value for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value)


def safe_cell(value: Any) -> Any:
    """The value to write into a cell: formula-like text with an apostrophe first, the rest as is."""
    return "'" + value if formula_like(value) else value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]
