"""Reading a survey results table from CSV or XLSX into plain rows, remembering where each came from.

The format (one row per agency, one column per survey-scored leaf):

    agency,name,sipas,1.7.1,1.7.2,2.4.1,...
    sgtvt,Sở Giao thông vận tải,91.20,0.95,0.92,1.41,...

`agency` is the agency code, `sipas` the satisfaction index in percent, every other column a leaf
code; `name` (or any column whose heading starts with '#') is for the reader and ignored. CSV may be
comma- or semicolon-separated, UTF-8 (with or without BOM), decimals with a point or a comma. In an
XLSX workbook every sheet whose first row has an `agency` heading is read (e.g. one sheet per group).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from parflow.domain.errors import Invalid, Unmet
from parflow.domain.workflow import Label

AGENCY_HEADINGS = ("agency", "mã cơ quan", "ma_co_quan")
SIPAS_HEADINGS = ("sipas", "sipas_percent", "chỉ số hài lòng (%)")
IGNORED_HEADINGS = ("name", "tên cơ quan", "ten_co_quan", "group", "nhóm")
XLSX_MAGIC = b"PK\x03\x04"


@dataclass
class Row:
    where: Label  # "line 7" or "sheet 'Quận', row 7", in both languages, for error messages
    values: dict[str, str]


@dataclass
class Sheet:
    name: str
    columns: list[str]  # normalised: "agency", "sipas" or a leaf code
    rows: list[Row] = field(default_factory=list)


def normalise_heading(text: str) -> str:
    heading = " ".join(text.strip().lower().split())
    if heading in AGENCY_HEADINGS:
        return "agency"
    if heading in SIPAS_HEADINGS:
        return "sipas"
    if heading in IGNORED_HEADINGS or heading.startswith("#") or not heading:
        return ""
    return text.strip()


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # shortest form: 0.95 stays "0.95"
    if isinstance(value, int | Decimal):
        return str(value)
    return str(value).strip()


def read_table(data: bytes, source: str) -> list[Sheet]:
    """Parse CSV or XLSX (told apart by content); an unreadable file is one clear problem."""
    try:
        if data.startswith(XLSX_MAGIC):
            return _read_xlsx(data)
        return [_read_csv(data)]
    except Invalid:
        raise
    except Exception as exc:  # any parser failure means the same thing to the user
        raise Invalid("survey.unreadable", source=source, reason=exc.__class__.__name__) from None


def _read_csv(data: bytes) -> Sheet:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("survey.not_utf8") from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = list(reader)
    if not rows:
        raise Invalid("survey.empty")
    columns = [normalise_heading(h) for h in rows[0]]
    sheet = Sheet("", columns)
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        sheet.rows.append(Row(Label(vi=f"Dòng {number}", en=f"Line {number}"), _row_values(columns, cells)))
    return sheet


def _read_xlsx(data: bytes) -> list[Sheet]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheets = []
    try:
        for ws in workbook.worksheets:
            rows = ws.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                continue
            columns = [normalise_heading(cell_text(h)) for h in header]
            if "agency" not in columns:
                continue
            sheet = Sheet(ws.title, columns)
            for number, cells in enumerate(rows, start=2):
                texts = [cell_text(c) for c in cells]
                if not any(texts):
                    continue
                where = Label(vi=f"Trang '{ws.title}', dòng {number}", en=f"Sheet '{ws.title}', row {number}")
                sheet.rows.append(Row(where, _row_values(columns, texts)))
            sheets.append(sheet)
    finally:
        workbook.close()
    if not sheets:
        raise Invalid("survey.rejected", unmet=[Unmet("survey.no_agency_column")])
    return sheets


def _row_values(columns: list[str], cells: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for i, column in enumerate(columns):
        if column:
            values[column] = cells[i].strip() if i < len(cells) else ""
    return values
