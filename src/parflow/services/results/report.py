"""The official results report as a Word document (python-docx): what Home Affairs attaches to the
city's announcement. Summary, one table per group (fields against their maximum, total, rank, class,
change since last year), the field analysis and the decision reference. Built from the results
payload alone, like the CSV and XLSX, so it shows exactly what was published.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from parflow.i18n import format_date, format_instant
from parflow.services.results.analysis import analyse, fields_of
from parflow.services.results.exports import decision_text, head_band_text


def _vi(value: str | Decimal | None) -> str:
    """A score the Vietnamese way: decimal comma, two decimals; a dash when there is none."""
    if value is None:
        return "—"
    return f"{Decimal(value):.2f}".replace(".", ",")


def _signed(value: str | Decimal | None) -> str:
    if value is None:
        return "—"
    number = Decimal(value)
    return ("+" if number > 0 else "") + _vi(number)


def rank_change_text(places: int | None) -> str:
    if places is None:
        return "—"
    if places > 0:
        return f"↑ {places} bậc"
    if places < 0:
        return f"↓ {-places} bậc"
    return "giữ nguyên"


def _table(document: Any, headings: list[str], rows: list[list[str]], numeric_from: int) -> Any:
    table = document.add_table(rows=1, cols=len(headings))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headings, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        run.font.size = Pt(9)
    for values in rows:
        cells = table.add_row().cells
        for i, (cell, text) in enumerate(zip(cells, values, strict=True)):
            cell.text = ""
            paragraph = cell.paragraphs[0]
            paragraph.add_run(text).font.size = Pt(9)
            if i >= numeric_from:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return table


def to_docx(payload: dict[str, Any]) -> bytes:
    document = Document()
    section = document.sections[0]
    # the per-group table has a dozen columns: landscape A4
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.8))
    document.styles["Normal"].font.name = "Times New Roman"
    document.styles["Normal"].font.size = Pt(12)

    campaign = payload["campaign"]
    authority = payload.get("authority") or {}
    if authority:
        head = document.add_paragraph()
        head.add_run(authority["province"]["vi"].upper() + "\n").bold = False
        head.add_run(authority["department"]["vi"].upper()).bold = True
    title = document.add_heading(
        f"BÁO CÁO KẾT QUẢ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {campaign['index_year']}", 0
    )
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(campaign["title"]).alignment = WD_ALIGN_PARAGRAPH.CENTER

    decision = decision_text(payload.get("decision"))
    document.add_heading("1. Căn cứ công bố", 1)
    document.add_paragraph(
        f"Kết quả được phê duyệt theo {decision[0].lower() + decision[1:]}."
        if decision.startswith("Quyết định")
        else (f"Kết quả được phê duyệt theo: {decision}." if decision else "Chưa ghi quyết định công bố.")
    )
    published_at = payload.get("published_at")
    if published_at:
        document.add_paragraph(
            f"Công bố trên hệ thống lúc {format_instant(datetime.fromisoformat(published_at))}"
            + (f" bởi {payload['published_by']}" if payload.get("published_by") else "")
            + "."
        )
    head_hash = (payload.get("audit_head") or {}).get("results_sha256")
    if head_hash:
        document.add_paragraph(f"Mã băm bảng kết quả (SHA-256): {head_hash}").runs[0].font.size = Pt(9)

    analysis = analyse(payload)
    previous = payload.get("previous")
    document.add_heading("2. Tóm tắt", 1)
    for group in analysis:
        rows = next(g["rows"] for g in payload["groups"] if g["key"] == group.key)
        bands: dict[str, int] = {}
        for row in rows:
            klass = (row.get("classification") or {}).get("vi", "—")
            bands[klass] = bands.get(klass, 0) + 1
        top = rows[0]["agency"]["name"] if rows else "—"
        text = (
            f"{group.label['vi']}: {group.agencies} cơ quan, "
            f"Chỉ số CCHC trung bình {_vi(group.average_total)} điểm; "
            f"đứng đầu: {top}; xếp loại: " + ", ".join(f"{k} {v}" for k, v in bands.items()) + "."
        )
        document.add_paragraph(text, style="List Bullet")
    if previous:
        source = "kết quả đã công bố" if previous["source"] == "campaign" else "số liệu nhập từ tệp"
        note = f" ({previous['note']})" if previous.get("note") else ""
        document.add_paragraph(f"So sánh với năm {previous['index_year']}: {source}{note}.")
    rule = payload.get("head_classification")
    if rule:
        document.add_paragraph("Xếp loại người đứng đầu theo kết quả Chỉ số CCHC của cơ quan, đơn vị:")
        for band in rule["bands"]:
            document.add_paragraph(head_band_text(band), style="List Bullet")
        if rule.get("basis"):
            document.add_paragraph(f"Căn cứ: {rule['basis']}")

    document.add_heading("3. Kết quả theo nhóm", 1)
    for group in payload["groups"]:
        document.add_heading(group["label"]["vi"], 2)
        fields = fields_of(payload, group.get("criteria_set"))
        headings = [
            "Hạng",
            "Cơ quan",
            *[f"LV{f['code']} (/{_vi(f['max'])})" for f in fields],
            "Điểm thẩm định",
            "Điều tra XHH",
            "Chỉ số CCHC",
            "Xếp loại",
        ]
        heads = bool(payload.get("head_classification"))
        if heads:
            headings.append("Xếp loại người đứng đầu")
        if previous:
            headings += ["Thay đổi hạng", "Thay đổi điểm"]
        table_rows = []
        for row in group["rows"]:
            change = row.get("change") or {}
            values = [
                str(row["rank"]),
                row["agency"]["name"],
                *[_vi(row["fields"].get(f["code"])) for f in fields],
                _vi(row["appraised"]),
                _vi(row["survey"]),
                _vi(row["total"]),
                (row.get("classification") or {}).get("vi", "—"),
            ]
            if heads:
                values.append((row.get("head_classification") or {}).get("vi", "—"))
            if previous:
                values += [rank_change_text(change.get("rank")), _signed(change.get("total"))]
            table_rows.append(values)
        _table(document, headings, table_rows, numeric_from=2)
        document.add_paragraph()

    document.add_heading("4. Phân tích theo lĩnh vực", 1)
    for group in analysis:
        document.add_heading(group.label["vi"], 2)
        headings = ["Lĩnh vực", "Điểm tối đa", "Trung bình", "Tỷ lệ đạt", "Thấp nhất", "Cao nhất"]
        if previous:
            headings.append("Thay đổi TB so với năm trước")
        table_rows = []
        for f in group.fields:
            values = [
                f"{f.code}. {f.title_vi}",
                _vi(f.max),
                _vi(f.average),
                f"{(f.share * 100):.1f}%".replace(".", ","),
                _vi(f.lowest),
                _vi(f.highest),
            ]
            if previous:
                values.append(_signed(f.change))
            table_rows.append(values)
        _table(document, headings, table_rows, numeric_from=1)
        if group.fields:
            weak = "; ".join(
                f"{f.code}. {f.title_vi} ({(f.share * 100):.1f}%)".replace(".", ",", 1) for f in group.weakest
            )
            strong = "; ".join(
                f"{f.code}. {f.title_vi} ({(f.share * 100):.1f}%)".replace(".", ",", 1)
                for f in group.strongest
            )
            document.add_paragraph(f"Lĩnh vực yếu nhất: {weak}.")
            document.add_paragraph(f"Lĩnh vực mạnh nhất: {strong}.")

    if payload.get("excluded"):
        document.add_heading("5. Cơ quan không xếp hạng", 1)
        for item in payload["excluded"]:
            document.add_paragraph(f"{item['agency']['name']}: {item['reason']}", style="List Bullet")

    footer = section.footer.paragraphs[0]
    footer.text = f"Chỉ số CCHC năm {campaign['index_year']} — {decision or campaign['code']}"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def report_filename(payload: dict[str, Any]) -> str:
    return f"{payload['campaign']['code']}-bao-cao-ket-qua.docx"


def decision_day(payload: dict[str, Any]) -> str:
    day = (payload.get("decision") or {}).get("date")
    return format_date(date.fromisoformat(day)) if day else ""
