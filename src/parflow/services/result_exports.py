"""The published results as CSV and XLSX, with Vietnamese headings, from the frozen payload alone."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from typing import Any

from parflow.i18n import format_instant

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
    codes = _field_codes(payload)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            HEADINGS["group"],
            HEADINGS["rank"],
            HEADINGS["code"],
            HEADINGS["name"],
            *[f"Lĩnh vực {c}" for c in codes],
            HEADINGS["appraised"],
            HEADINGS["survey"],
            HEADINGS["total"],
            HEADINGS["sipas"],
            HEADINGS["classification"],
        ]
    )
    for group in payload["groups"]:
        for row in group["rows"]:
            writer.writerow(
                [
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
                ]
            )
    for item in payload.get("excluded", []):
        writer.writerow(
            [
                "Không xếp hạng",
                "",
                item["agency"]["code"],
                item["agency"]["name"],
                *[""] * len(codes),
                *["", "", "", ""],
                item["reason"],
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(payload: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    info = wb.active
    info.title = "Thông tin"
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
        info.append([label, value])
    info.column_dimensions["A"].width = 32
    info.column_dimensions["B"].width = 90
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    sets = {s["code"]: s for s in payload.get("criteria_sets", [])}
    for group in payload["groups"]:
        ws = wb.create_sheet(group["label"]["vi"][:31])
        fields = sets.get(group.get("criteria_set") or "", {}).get("fields", [])
        ws.append([f"Chỉ số CCHC năm {payload['campaign']['index_year']} — {group['label']['vi']}"])
        ws["A1"].font = Font(bold=True, size=13)
        headings = [
            HEADINGS["rank"],
            HEADINGS["code"],
            HEADINGS["name"],
            *[f"{f['code']}. {f['title_vi']} (tối đa {f['max'].replace('.', ',')})" for f in fields],
            HEADINGS["appraised"],
            HEADINGS["survey"],
            HEADINGS["total"],
            HEADINGS["sipas"],
            HEADINGS["classification"],
        ]
        ws.append(headings)
        for cell in ws[2]:
            cell.font = bold
            cell.alignment = wrap
        for row in group["rows"]:
            ws.append(
                [
                    row["rank"],
                    row["agency"]["code"],
                    row["agency"]["name"],
                    *[_num(row["fields"].get(f["code"])) for f in fields],
                    _num(row["appraised"]),
                    _num(row["survey"]),
                    _num(row["total"]),
                    _num(row["sipas_percent"]),
                    (row["classification"] or {}).get("vi", ""),
                ]
            )
        for column in range(4, len(headings)):
            for cells in ws.iter_cols(min_col=column, max_col=column, min_row=3):
                for cell in cells:
                    cell.number_format = "0.00"
        ws.column_dimensions["A"].width = 10
        ws.column_dimensions["B"].width = 16
        ws.column_dimensions["C"].width = 40
        for column in range(4, len(headings) + 1):
            ws.column_dimensions[get_column_letter(column)].width = 18
        ws.row_dimensions[2].height = 90
        ws.freeze_panes = "D3"
    if payload.get("excluded"):
        ws = wb.create_sheet("Không xếp hạng")
        ws.append([HEADINGS["code"], HEADINGS["name"], "Nhóm", "Lý do"])
        for cell in ws[1]:
            cell.font = bold
        for item in payload["excluded"]:
            ws.append([item["agency"]["code"], item["agency"]["name"], item["group"], item["reason"]])
        ws.column_dimensions["B"].width = 40
        ws.column_dimensions["D"].width = 80
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
