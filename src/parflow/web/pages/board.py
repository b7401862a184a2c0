"""Home Affairs' board: every agency of a campaign, filtered by group and state (plain GET links).

Rows are turned into display strings here, with each distinct label, date and instant formatted
once: a 2,205-agency table then costs the template little more than writing it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from parflow.i18n import format_date, format_instant
from parflow.services.monitoring.board import Board, campaign_board
from parflow.web.deps import RuntimeDep
from parflow.web.pages.deps import SignedIn
from parflow.web.templating import page_language, render

router = APIRouter(include_in_schema=False)
Code = Path(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
REMINDER_KINDS = {"reminder": ("Nhắc hạn", "Reminder"), "escalation": ("Báo cáo chậm", "Escalation")}


@dataclass(slots=True)
class Line:
    submission_id: int
    name: str
    group: str
    state: str
    state_label: str
    next: str
    extended: bool
    days: str
    overdue: bool
    reminder: str
    excluded: bool


def lines(board: Board, lang: str) -> list[Line]:
    en = lang == "en"
    definition = board.definition
    states = {key: label.get(lang) for key, label in definition.states.items()}
    groups = {key: label.get(lang) for key, label in board.groups.items()}
    milestones = {key: spec.label.get(lang) for key, spec in definition.milestones.items()}
    next_text: dict[tuple[str, date], str] = {}
    sent_text: dict[tuple[str, datetime], str] = {}
    timezone = board.campaign.timezone
    result = []
    for r in board.rows:
        nxt = r.next
        text = days = ""
        if nxt is not None:
            key = (nxt.milestone, nxt.due)
            if key not in next_text:
                next_text[key] = f"{milestones.get(nxt.milestone, nxt.milestone)} · {format_date(nxt.due)}"
            text = next_text[key]
            days = str(-nxt.working_days_left if nxt.overdue else nxt.working_days_left)
        reminder = ""
        if r.last_reminder is not None:
            rkey = (r.last_reminder.kind, r.last_reminder.sent_at)
            if rkey not in sent_text:
                words = REMINDER_KINDS.get(rkey[0], (rkey[0], rkey[0]))
                sent_text[rkey] = f"{words[1] if en else words[0]} · {format_instant(rkey[1], timezone)}"
            reminder = sent_text[rkey]
        result.append(
            Line(
                submission_id=r.submission_id,
                name=(r.agency_name_en or r.agency_name) if en else r.agency_name,
                group=groups.get(r.group, r.group),
                state=r.state,
                state_label=states.get(r.state, r.state),
                next=text,
                extended=r.extended,
                days=days,
                overdue=nxt is not None and nxt.overdue,
                reminder=reminder,
                excluded=r.excluded,
            )
        )
    return result


@router.get("/campaigns/{code}/board")
def board(
    request: Request,
    rt: RuntimeDep,
    user: SignedIn,
    code: str = Code,
    group: str | None = Query(default=None, max_length=32),
    state: str | None = Query(default=None, max_length=32),
) -> Response:
    with rt.db.read() as session:
        view = campaign_board(session, rt, user, code, group=group or None, state=state or None)
    context = {"board": view, "campaign": view.campaign, "lines": lines(view, page_language(request))}
    return render(request, "pages/board.html", context)
