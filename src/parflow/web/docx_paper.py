"""A paper document (services/scoring/report.py) as a Word file, with python-docx: the agency
prints it, the head signs it (or signs the PDF digitally), and the scan is attached back."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from docx.table import Table

from parflow.i18n import format_score
from parflow.services.scoring.report import Paper

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def paper_docx(paper: Paper, lang: str) -> bytes:
    def tr(vi: str, en: str) -> str:
        return en if lang == "en" else vi

    def pts(value: Decimal | None) -> str:
        return format_score(value, lang) if value is not None else tr("chưa có", "not yet")

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(11)

    heading = doc.add_table(rows=1, cols=2)
    heading.cell(0, 0).text = paper.agency_name.upper()
    heading.cell(0, 1).text = tr(
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc",
        "SOCIALIST REPUBLIC OF VIET NAM\nIndependence - Freedom - Happiness",
    )
    for cell in heading.rows[0].cells:
        for p in cell.paragraphs:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            for run in p.runs:
                run.bold = True
    place_line = doc.add_paragraph(_place_and_date(paper, lang))
    place_line.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    if paper.kind == "self_assessment":
        title = tr("BÁO CÁO TỰ ĐÁNH GIÁ, CHẤM ĐIỂM", "SELF-ASSESSMENT REPORT")
    else:
        title = tr("BIÊN BẢN THẨM ĐỊNH", "APPRAISAL RECORD")
    doc.add_heading(title, level=1).alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = doc.add_paragraph(
        tr(
            f"Chỉ số cải cách hành chính năm {paper.index_year} — {paper.agency_name}",
            f"PAR Index {paper.index_year} — {paper.agency_name}",
        )
    )
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(paper.campaign_title).alignment = WD_ALIGN_PARAGRAPH.CENTER

    doc.add_heading(tr("1. Kết quả theo lĩnh vực", "1. Results by field"), level=2)
    appraisal = paper.kind == "appraisal"
    headers = [
        tr("Lĩnh vực", "Field"),
        tr("Tối đa (cơ quan tự chấm)", "Max (agency-scored)"),
        tr("Tự chấm", "Self"),
    ]
    if appraisal:
        headers.append(tr("Thẩm định", "Appraised"))
    fields = _table(doc, headers)
    for line in paper.fields:
        values = [f"{line.code}. {line.title}", pts(line.max_score), pts(line.self_subtotal)]
        if appraisal:
            values.append(pts(line.appraised_subtotal))
        _row(fields, values)
    fg = paper.figures
    totals = [
        (tr("Điểm tự đánh giá (các tiêu chí cơ quan tự chấm)", "Self-assessed total"), fg.self_assessed),
        (tr("Điểm điều tra xã hội học", "Survey points"), fg.survey),
    ]
    if appraisal and paper.appraisal_visible:
        totals += [
            (tr("Điểm thẩm định", "Appraised total"), fg.appraised),
            (tr("Tổng điểm Chỉ số", "Index total"), fg.index),
        ]
    for label, value in totals:
        p = doc.add_paragraph()
        p.add_run(f"{label}: ").bold = True
        p.add_run(pts(value))

    doc.add_heading(tr("2. Bảng điểm chi tiết", "2. Scores, criterion by criterion"), level=2)
    headers = [
        tr("Tiêu chí", "Criterion"),
        tr("Tối đa", "Max"),
        tr("Tự chấm", "Self-score"),
        tr("Giải trình", "Explanation"),
        tr("Tài liệu kiểm chứng", "Evidence"),
    ]
    if appraisal:
        headers += [tr("Thẩm định", "Appraised"), tr("Nhận xét", "Comment")]
    table = _table(doc, headers)
    for r in paper.rows:
        if not r.is_leaf:
            cells = _row(table, [f"{r.code}. {r.title}", pts(r.max_score)] + [""] * (len(headers) - 2))
            for p in cells[0].paragraphs:
                for run in p.runs:
                    run.bold = True
            continue
        survey = r.scored_by == "survey"
        values = [
            f"{r.code} {r.title}",
            pts(r.max_score),
            tr("điều tra XHH", "survey") if survey else pts(r.self_score),
            r.explanation or "",
            "\n".join(r.evidence),
        ]
        if appraisal:
            values += [pts(r.appraised_score) if paper.appraisal_visible else "", r.comment or ""]
        _row(table, values)

    if paper.kind == "self_assessment":
        doc.add_heading(
            tr(
                "3. Giải trình các tiêu chí chấm điểm không có tài liệu kiểm chứng",
                "3. Criteria scored without evidence",
            ),
            level=2,
        )
        if not paper.without_evidence:
            doc.add_paragraph(tr("Không có.", "None."))
        for r in paper.without_evidence:
            doc.add_paragraph(
                f"{r.code} ({pts(r.self_score)}): "
                + (r.explanation or tr("chưa giải trình", "no explanation given")),
                style="List Bullet",
            )
        doc.add_heading(
            tr("4. Khó khăn, vướng mắc, kiến nghị", "4. Difficulties and recommendations"), level=2
        )
        for _ in range(3):
            doc.add_paragraph("." * 150)

    _signature(doc, paper, tr)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _place_and_date(paper: Paper, lang: str) -> str:
    d = paper.on
    if lang == "en":
        return f"{paper.place + ', ' if paper.place else ''}{d.strftime('%d/%m/%Y')}"
    place = paper.place or "……"
    return f"{place}, ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


def _table(doc: Document, headers: list[str]) -> Table:  # type: ignore[valid-type]
    table = doc.add_table(rows=1, cols=len(headers))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    return table


def _row(table: Table, values: list[str]) -> list:  # type: ignore[type-arg]
    cells = table.add_row().cells
    for cell, text in zip(cells, values, strict=True):
        cell.text = text
    return list(cells)


def _signature(doc: Document, paper: Paper, tr: Callable[[str, str], str]) -> None:  # type: ignore[valid-type]
    doc.add_paragraph()
    block = doc.add_table(rows=1, cols=2)  # type: ignore[attr-defined]
    if paper.kind == "self_assessment":
        role = tr("THỦ TRƯỞNG CƠ QUAN", "HEAD OF THE AGENCY")
        name = paper.head_name or ""
    else:
        role = tr("ĐẠI DIỆN HỘI ĐỒNG THẨM ĐỊNH", "FOR THE APPRAISAL COUNCIL")
        name = ""
    cell = block.cell(0, 1)
    cell.text = ""
    lines = [
        (role, True),
        (tr("(Ký, ghi rõ họ tên, đóng dấu)", "(Signature, full name, seal)"), False),
        ("", False),
        ("", False),
        ("", False),
        (name, True),
    ]
    first = True
    for text, bold in lines:
        p = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run(text).bold = bold
    if paper.council:
        left = block.cell(0, 0)
        left.text = tr("Thành viên Hội đồng:", "Council members:")
        for member in paper.council:
            left.add_paragraph(member)
