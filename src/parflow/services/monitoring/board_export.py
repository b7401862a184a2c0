"""The board as CSV and XLSX: exactly the rows the page shows with the same filters, in its order.

Headings and labels in the reader's language; numbers stay numbers (working days, criteria) so a
spreadsheet can sort and add them; dates dd/mm/yyyy; every text cell through `safe_cell`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from parflow.domain.season import STANDING_LABELS
from parflow.i18n import format_date, format_instant
from parflow.services.common.spreadsheet import safe_cell, safe_row
from parflow.services.monitoring.board import Board, BoardRow

HEADINGS: list[tuple[str, str]] = [
    ("Mã cơ quan", "Agency code"),
    ("Tên cơ quan", "Agency"),
    ("Nhóm", "Group"),
    ("Trạng thái", "State"),
    ("Tiêu chí đã tự chấm", "Criteria self-scored"),
    ("Tổng số tiêu chí phải chấm", "Criteria to score"),
    ("Tiêu chí thiếu tài liệu kiểm chứng", "Criteria without evidence"),
    ("Việc còn phải làm trước khi gửi", "Blockers before sending"),
    ("Mốc tiếp theo", "Next milestone"),
    ("Hạn", "Due"),
    ("Được gia hạn", "Extended"),
    ("Ngày làm việc còn lại", "Working days left"),
    ("Quá hạn (ngày làm việc)", "Overdue (working days)"),
    ("Nguy cơ chậm công bố", "Publication at risk"),
    ("Tự đánh giá gửi quá hạn (ngày làm việc)", "Self-assessment sent late (working days)"),
    ("Thẩm định gửi quá hạn (ngày làm việc)", "Appraisal sent late (working days)"),
    ("Hoạt động gần nhất", "Last activity"),
    ("Nhắc gần nhất", "Last reminder"),
    ("Người nhận nhắc", "Reminder recipients"),
]
KIND_WORDS = {
    "reminder": ("Nhắc hạn", "Reminder"),
    "escalation": ("Báo cáo chậm", "Escalation"),
    "remind_now": ("Sở Nội vụ nhắc", "Home Affairs reminder"),
}


def headings(lang: str) -> list[str]:
    return [en if lang == "en" else vi for vi, en in HEADINGS]


def table_rows(board: Board, lang: str) -> Iterator[list[Any]]:
    en = lang == "en"
    definition = board.definition
    states = {key: label.get(lang) for key, label in definition.states.items()}
    groups = {key: label.get(lang) for key, label in board.groups.items()}
    milestones = {key: spec.label.get(lang) for key, spec in definition.milestones.items()}
    yes = "Yes" if en else "Có"
    timezone = board.campaign.timezone
    for r in board.rows:
        yield _row(r, en, states, groups, milestones, yes, timezone)


def _standing_word(r: BoardRow, en: bool) -> str:
    label = STANDING_LABELS.get(r.standing)
    return (label.en if en else label.vi) if label else ""


def _row(
    r: BoardRow,
    en: bool,
    states: dict[str, str],
    groups: dict[str, str],
    milestones: dict[str, str],
    yes: str,
    timezone: str,
) -> list[Any]:
    nxt, p, last = r.next, r.progress, r.last_reminder
    kind = KIND_WORDS.get(last.kind, (last.kind, last.kind)) if last else None
    return [
        r.agency_code,
        (r.agency_name_en or r.agency_name) if en else r.agency_name,
        groups.get(r.group, r.group),
        states.get(r.state, r.state),
        p.scored if p else "",
        p.total if p else "",
        p.evidence_missing if p else "",
        p.blockers if p else "",
        milestones.get(nxt.milestone, nxt.milestone) if nxt else _standing_word(r, en),
        format_date(nxt.due) if nxt else "",
        yes if r.extended else "",
        "" if nxt is None or nxt.overdue else nxt.working_days_left,
        max(0, -nxt.working_days_left) if nxt is not None and nxt.overdue else "",
        yes if r.at_risk else "",
        "" if r.self_late_days is None else r.self_late_days,
        "" if r.appraisal_late_days is None else r.appraisal_late_days,
        format_instant(r.last_activity, timezone) if r.last_activity else "",
        f"{kind[1] if en else kind[0]} · {format_instant(last.sent_at, timezone)}" if last and kind else "",
        ", ".join(last.recipients) if last else "",
    ]


def to_csv(board: Board, lang: str) -> bytes:
    """UTF-8 with BOM (so Excel shows the diacritics), comma-separated."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headings(lang))
    for row in table_rows(board, lang):
        writer.writerow(safe_row(row))
    return out.getvalue().encode("utf-8")


def to_xlsx(board: Board, lang: str) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Bảng theo dõi" if lang != "en" else "Board")
    widths = [14, 42, 16, 24, 10, 10, 10, 10, 28, 12, 10, 10, 10, 10, 12, 12, 18, 30, 40]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "C2"
    bold = Font(bold=True)

    def cell(value: Any, font: Font | None = None) -> Any:
        c = WriteOnlyCell(ws, value=safe_cell(value))
        if isinstance(value, str) and c.value != value:
            c.data_type = "s"  # formula-like text: stored as a string as well as quoted
        if font is not None:
            c.font = font
        return c

    ws.append([cell(h, bold) for h in headings(lang)])
    for row in table_rows(board, lang):
        ws.append([cell(v) if isinstance(v, str) else v for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
