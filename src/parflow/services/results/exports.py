"""The published results as CSV and XLSX, with Vietnamese headings, from the frozen payload alone."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from parflow.i18n import format_instant
from parflow.services.common.spreadsheet import formula_like, safe_cell, safe_row

HEADINGS = {
    "group": "Nhóm",
    "rank": "Xếp hạng",
    "code": "Mã cơ quan",
    "name": "Tên cơ quan",
    "appraised": "Điểm thẩm định (tự chấm sau thẩm định)",
    "survey": "Điểm điều tra xã hội học",
    "total": "Chỉ số CCHC (điểm)",
    "sipas": "Chỉ số hài lòng SIPAS (%)",
    "classification": "Xếp loại",
}
# the columns after the per-field scores, in both the CSV and the XLSX table
TOTAL_HEADINGS = [HEADINGS[k] for k in ("appraised", "survey", "total", "sipas", "classification")]
# last, so that columns before them keep their places: the record of lateness of each sending
LATE_HEADINGS = [
    "Tự đánh giá gửi quá hạn (ngày làm việc)",
    "Thẩm định gửi quá hạn (ngày làm việc)",
]


def _late(row: dict[str, Any]) -> list[Any]:
    """Working days late per sending; blank when not recorded (payloads frozen before the record)."""
    return [
        "" if (days := row.get(key)) is None else days
        for key in ("self_assessment_late_days", "appraisal_late_days")
    ]


def _field_codes(payload: dict[str, Any]) -> list[str]:
    codes: list[str] = []
    for s in payload.get("criteria_sets", []):
        for f in s["fields"]:
            if f["code"] not in codes:
                codes.append(f["code"])
    return codes


def _num(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def to_csv(payload: dict[str, Any]) -> bytes:
    """UTF-8 with BOM (so Excel shows the diacritics), comma-separated, decimal point."""
    return b"".join(csv_chunks(payload))


def csv_chunks(payload: dict[str, Any], rows_per_chunk: int = 200) -> Iterator[bytes]:
    """The CSV a few hundred rows at a time, for a streamed response."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write("\ufeff")
    for count, line in enumerate(_csv_rows(payload), start=1):
        writer.writerow(safe_row(line))
        if count % rows_per_chunk == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def _csv_rows(payload: dict[str, Any]) -> Iterator[list[Any]]:
    codes = _field_codes(payload)
    yield [
        HEADINGS["group"],
        HEADINGS["rank"],
        HEADINGS["code"],
        HEADINGS["name"],
        *[f"Lĩnh vực {c}" for c in codes],
        *TOTAL_HEADINGS,
        *LATE_HEADINGS,
    ]
    for group in payload["groups"]:
        for row in group["rows"]:
            yield [
                group["label"]["vi"],
                row["rank"],
                row["agency"]["code"],
                row["agency"]["name"],
                *[row["fields"].get(c, "") for c in codes],
                row["appraised"],
                row["survey"],
                row["total"],
                row["sipas_percent"] or "",
                (row["classification"] or {}).get("vi", ""),
                *_late(row),
            ]
    for item in payload.get("excluded", []):
        yield [
            "Không xếp hạng",
            "",
            item["agency"]["code"],
            item["agency"]["name"],
            *[""] * len(codes),
            *["", "", "", ""],
            item["reason"],
            "",
            "",
        ]


def to_xlsx(payload: dict[str, Any]) -> bytes:
    return b"".join(xlsx_chunks(payload))


def xlsx_chunks(payload: dict[str, Any], chunk_size: int = 64 * 1024) -> Iterator[bytes]:
    """The workbook, written by openpyxl in write-only mode (rows go to disk as they are added,
    not kept as cell objects) into a spooled temporary file, then read back in chunks."""
    with tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024) as spool:
        _write_xlsx(payload, spool)
        spool.seek(0)
        while chunk := spool.read(chunk_size):
            yield chunk


def _write_xlsx(payload: dict[str, Any], target: Any) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")

    def styled(ws: Any, value: Any, *, font: Font | None = None, number: str | None = None) -> Any:
        cell = WriteOnlyCell(ws, value=safe_cell(value))
        if formula_like(value):
            # the apostrophe already keeps it from starting with "="; stating the type as well
            # means no later change to the text can turn the cell into a formula
            cell.data_type = "s"
        if font is not None:
            cell.font = font
            cell.alignment = wrap
        if number is not None:
            cell.number_format = number
        return cell

    def cells(ws: Any, values: list[Any]) -> list[Any]:
        """A row of plain values, each text a spreadsheet could run written as a string cell."""
        return [styled(ws, v) if formula_like(v) else v for v in values]

    wb = Workbook(write_only=True)
    info = wb.create_sheet("Thông tin")
    info.column_dimensions["A"].width = 32
    info.column_dimensions["B"].width = 90
    published_at = payload.get("published_at")
    head = payload.get("audit_head") or {}
    for label, value in (
        ("Đợt đánh giá", payload["campaign"]["title"]),
        ("Mã đợt", payload["campaign"]["code"]),
        ("Năm đánh giá", payload["campaign"]["index_year"]),
        (
            "Công bố lúc",
            format_instant(datetime.fromisoformat(published_at)) if published_at else "Chưa công bố",
        ),
        ("Người công bố", payload.get("published_by") or ""),
        ("Mã băm nhật ký (audit)", head.get("hash", "")),
        ("Số thứ tự bản ghi nhật ký", head.get("seq", "")),
        ("Mã băm bảng kết quả (SHA-256)", head.get("results_sha256", "")),
    ):
        info.append(cells(info, [label, value]))

    sets = {s["code"]: s for s in payload.get("criteria_sets", [])}
    for group in payload["groups"]:
        ws = wb.create_sheet(group["label"]["vi"][:31])
        fields = sets.get(group.get("criteria_set") or "", {}).get("fields", [])
        headings = [
            HEADINGS["rank"],
            HEADINGS["code"],
            HEADINGS["name"],
            *[f"{f['code']}. {f['title_vi']} (tối đa {f['max'].replace('.', ',')})" for f in fields],
            *TOTAL_HEADINGS,
            *LATE_HEADINGS,
        ]
        # write-only sheets take their layout before the first row
        ws.column_dimensions["A"].width = 10
        ws.column_dimensions["B"].width = 16
        ws.column_dimensions["C"].width = 40
        for column in range(4, len(headings) + 1):
            ws.column_dimensions[get_column_letter(column)].width = 18
        ws.row_dimensions[2].height = 90
        ws.freeze_panes = "D3"
        title = f"Chỉ số CCHC năm {payload['campaign']['index_year']} — {group['label']['vi']}"
        ws.append([styled(ws, title, font=Font(bold=True, size=13))])
        ws.append([styled(ws, h, font=bold) for h in headings])
        for row in group["rows"]:
            numbers = [
                *[_num(row["fields"].get(f["code"])) for f in fields],
                _num(row["appraised"]),
                _num(row["survey"]),
                _num(row["total"]),
                _num(row["sipas_percent"]),
            ]
            ws.append(
                [
                    *cells(ws, [row["rank"], row["agency"]["code"], row["agency"]["name"]]),
                    *[styled(ws, n, number="0.00") for n in numbers],
                    *cells(ws, [(row["classification"] or {}).get("vi", "")]),
                    *_late(row),
                ]
            )
    if payload.get("excluded"):
        ws = wb.create_sheet("Không xếp hạng")
        ws.column_dimensions["B"].width = 40
        ws.column_dimensions["D"].width = 80
        ws.append([styled(ws, h, font=bold) for h in (HEADINGS["code"], HEADINGS["name"], "Nhóm", "Lý do")])
        for item in payload["excluded"]:
            ws.append(
                cells(ws, [item["agency"]["code"], item["agency"]["name"], item["group"], item["reason"]])
            )
    wb.save(target)
