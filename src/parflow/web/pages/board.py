"""Home Affairs' board: every agency of a campaign, searched, filtered and sorted by plain GET
parameters (the page works without JavaScript); its CSV and XLSX exports with the same
parameters; and remind-now, a POST from the same page (one agency, or all the filtered ones).

Rows are turned into display strings here, with each distinct label, date and instant formatted
once: a 2,205-agency table then costs the template little more than writing it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup, escape

from parflow.domain.errors import Conflict, Invalid, NotFound
from parflow.domain.season import STANDING_LABELS
from parflow.i18n import format_date, format_instant, t
from parflow.services.monitoring import board_export
from parflow.services.monitoring.board import Board, BoardFilters, campaign_board
from parflow.services.monitoring.remind import MESSAGE_MAX, RemindOutcome, remind_now
from parflow.web.deps import RuntimeDep, run_write
from parflow.web.pages.deps import CsrfChecked, SignedIn
from parflow.web.templating import flash, page_language, render

router = APIRouter(include_in_schema=False)
Code = Path(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
REMINDER_KINDS = {
    "reminder": ("Nhắc hạn", "Reminder"),
    "escalation": ("Báo cáo chậm", "Escalation"),
    "remind_now": ("Sở Nội vụ nhắc", "Home Affairs"),
}
SORT_LABELS = {
    "": ("Theo nhóm, rồi tên", "By group, then name"),
    "name": ("Tên (A–Z)", "Name (A–Z)"),
    "days": ("Ngày còn lại (gấp nhất trước)", "Days left (most urgent first)"),
    "progress": ("Tiến độ (gần xong trước)", "Progress (nearest to done first)"),
}


@dataclass(slots=True)
class Line:
    submission_id: int
    code: str
    name: str
    group: str
    state: str
    state_label: str
    next: str
    extended: bool
    days: str
    overdue: bool
    reminder: str
    recipients: str
    excluded: bool
    scored: str
    percent: int
    evidence_missing: int
    blockers: int
    activity: str
    at_risk: bool
    late: str  # "Tự đánh giá gửi quá hạn 2 ngày làm việc · ..." from the record
    ended: str = ""  # "Đã hoàn thành" / "Mùa đánh giá đã kết thúc": no deadline runs any more


def _late_text(days: int | None, part: str, en: bool) -> str:
    if not days:
        return ""
    if en:
        what = "Self-assessment" if part == "self" else "Appraisal"
        return f"{what} sent {days} working day{'s' if days != 1 else ''} late"
    what = "Tự đánh giá" if part == "self" else "Thẩm định"
    return f"{what}: gửi quá hạn {days} ngày làm việc"


def lines(board: Board, lang: str) -> list[Line]:
    en = lang == "en"
    definition = board.definition
    states = {key: label.get(lang) for key, label in definition.states.items()}
    groups = {key: label.get(lang) for key, label in board.groups.items()}
    milestones = {key: spec.label.get(lang) for key, spec in definition.milestones.items()}
    next_text: dict[tuple[str, date], str] = {}
    sent_text: dict[tuple[str, datetime], str] = {}
    instant_text: dict[datetime, str] = {}
    late_text: dict[tuple[int | None, int | None], str] = {}
    timezone = board.campaign.timezone
    result = []
    for r in board.rows:
        nxt = r.next
        text = days = ""
        ended = STANDING_LABELS[r.standing].get(lang) if r.standing in STANDING_LABELS else ""
        if nxt is not None:
            key = (nxt.milestone, nxt.due)
            if key not in next_text:
                next_text[key] = f"{milestones.get(nxt.milestone, nxt.milestone)} · {format_date(nxt.due)}"
            text = next_text[key]
            # never negative: an overdue row says how many working days late, under "Quá hạn"
            days = str(max(0, -nxt.working_days_left) if nxt.overdue else nxt.working_days_left)
        reminder = recipients = ""
        if r.last_reminder is not None:
            rkey = (r.last_reminder.kind, r.last_reminder.sent_at)
            if rkey not in sent_text:
                words = REMINDER_KINDS.get(rkey[0], (rkey[0], rkey[0]))
                sent_text[rkey] = f"{words[1] if en else words[0]} · {format_instant(rkey[1], timezone)}"
            reminder = sent_text[rkey]
            recipients = ", ".join(r.last_reminder.recipients)
        activity = ""
        if r.last_activity is not None:
            if r.last_activity not in instant_text:
                instant_text[r.last_activity] = format_instant(r.last_activity, timezone)
            activity = instant_text[r.last_activity]
        lkey = (r.self_late_days, r.appraisal_late_days)
        if lkey not in late_text:
            parts = [_late_text(lkey[0], "self", en), _late_text(lkey[1], "appraisal", en)]
            late_text[lkey] = " · ".join(p for p in parts if p)
        p = r.progress
        result.append(
            Line(
                submission_id=r.submission_id,
                code=r.agency_code,
                name=(r.agency_name_en or r.agency_name) if en else r.agency_name,
                group=groups.get(r.group, r.group),
                state=r.state,
                state_label=states.get(r.state, r.state),
                next=text,
                extended=r.extended,
                days=days,
                overdue=nxt is not None and nxt.overdue,
                reminder=reminder,
                recipients=recipients,
                excluded=r.excluded,
                scored=f"{p.scored}/{p.total}" if p and p.total else "",
                percent=p.percent if p else 0,
                evidence_missing=p.evidence_missing if p else 0,
                blockers=p.blockers if p else 0,
                activity=activity,
                at_risk=r.at_risk,
                late=late_text[lkey],
                ended=ended,
            )
        )
    return result


def tbody(rows: list[Line], lang: str, can_remind: bool) -> Markup:
    """The table's rows as markup, every text escaped; words in the reader's language."""
    en = lang == "en"
    excluded = (
        '<span class="badge warn">Excluded</span>' if en else '<span class="badge warn">Không xếp hạng</span>'
    )
    risk = (
        '<span class="badge warn">Publication at risk</span>'
        if en
        else '<span class="badge warn">Nguy cơ chậm công bố</span>'
    )
    extended = ' <span class="badge">extended</span>' if en else ' <span class="badge">gia hạn</span>'
    late = "Overdue" if en else "Quá hạn"
    to_word = "to" if en else "tới"
    remind_word = "Remind" if en else "Nhắc"
    overdue_class = ' class="is-overdue"'
    out = []
    escaped: dict[str, str] = {}

    def e(text: str) -> str:
        # groups, states, milestones and instants repeat across thousands of rows: escape each once
        found = escaped.get(text)
        if found is None:
            found = escaped[text] = str(escape(text))
        return found

    for r in rows:
        name = escape(r.name)
        badges = (f" {excluded}" if r.excluded else "") + (f" {risk}" if r.at_risk else "")
        if r.late:
            badges += f'<br><span class="badge overdue late-record">{e(r.late)}</span>'
        days = f'<span class="badge overdue">{late} {r.days}</span>' if r.overdue else (r.days or "—")
        if r.ended:
            days = f'<span class="badge ended">{e(r.ended)}</span>'
        reminder = e(r.reminder) if r.reminder else "—"
        if r.recipients:
            reminder += f'<br><span class="muted small">{to_word} {e(r.recipients)}</span>'
        button = (
            f'<td><button form="remind" name="agency" value="{escape(r.code)}">{remind_word}</button></td>'
            if can_remind
            else ""
        )
        out.append(
            f"<tr{overdue_class if r.overdue else ''}>"
            f'<td><a href="/submissions/{r.submission_id}">{name}</a>{badges}</td>'
            f"<td>{e(r.group)}</td>"
            f'<td><span class="badge state-{e(r.state)}">{e(r.state_label)}</span></td>'
            f'<td class="num">{r.scored or "—"}</td>'
            f'<td class="num">{r.evidence_missing or "—"}</td>'
            f'<td class="num">{f"<b>{r.blockers}</b>" if r.blockers else "—"}</td>'
            f"<td>{e(r.next) if r.next else '—'}{extended if r.extended else ''}</td>"
            f'<td class="num">{days}</td>'
            f"<td>{e(r.activity) if r.activity else '—'}</td>"
            f"<td>{reminder}</td>{button}</tr>\n"
        )
    return Markup("".join(out))


def filters_of(
    group: str | None,
    state: str | None,
    q: str | None,
    overdue: str | None,
    at_risk: str | None,
    sort: str | None,
) -> BoardFilters:
    return BoardFilters(
        group=group or None,
        state=state or None,
        q=q or "",
        overdue=overdue in ("1", "on", "true"),
        at_risk=at_risk in ("1", "on", "true"),
        sort=sort or "",
    )


# one Query object per parameter: FastAPI keeps the first parameter's name on a shared one
def _group() -> Any:
    return Query(default=None, max_length=32)


def _state() -> Any:
    return Query(default=None, max_length=32)


def _search() -> Any:
    return Query(default=None, max_length=200)


def _flag() -> Any:
    return Query(default=None, max_length=5)


def _sort() -> Any:
    return Query(default=None, max_length=16)


def _page(
    request: Request,
    rt: RuntimeDep,
    user: SignedIn,
    code: str,
    filters: BoardFilters,
    *,
    remind_error: str | None = None,
    message: str = "",
    status_code: int = 200,
) -> Response:
    with rt.db.read() as session:
        view = campaign_board(session, rt, user, code, filters=filters)
    lang = page_language(request)
    rows = lines(view, lang)
    can_remind = "home_affairs" in user.roles_in(view.campaign.id or 0)
    context = {
        "board": view,
        "campaign": view.campaign,
        "lines": rows,
        "tbody": tbody(rows, lang, can_remind),
        "f": view.filters,
        "sorts": SORT_LABELS,
        "can_remind": can_remind,
        "message_max": MESSAGE_MAX,
        "message": message,
        "remind_error": remind_error,
    }
    return render(request, "pages/board.html", context, status_code=status_code)


@router.get("/campaigns/{code}/board")
def board(
    request: Request,
    rt: RuntimeDep,
    user: SignedIn,
    code: str = Code,
    group: str | None = _group(),
    state: str | None = _state(),
    q: str | None = _search(),
    overdue: str | None = _flag(),
    at_risk: str | None = _flag(),
    sort: str | None = _sort(),
) -> Response:
    return _page(request, rt, user, code, filters_of(group, state, q, overdue, at_risk, sort))


@router.get("/campaigns/{code}/board.{extension}")
def board_export_file(
    request: Request,
    rt: RuntimeDep,
    user: SignedIn,
    code: str = Code,
    extension: str = Path(pattern=r"^(csv|xlsx)$"),
    group: str | None = _group(),
    state: str | None = _state(),
    q: str | None = _search(),
    overdue: str | None = _flag(),
    at_risk: str | None = _flag(),
    sort: str | None = _sort(),
) -> Response:
    """The rows the board shows with the same parameters, in the same order."""
    with rt.db.read() as session:
        view = campaign_board(
            session, rt, user, code, filters=filters_of(group, state, q, overdue, at_risk, sort)
        )
    lang = page_language(request)
    name = f"bang-theo-doi-{view.campaign.code}-{view.today.isoformat()}.{extension}"
    if extension == "csv":
        body, media = board_export.to_csv(view, lang), "text/csv; charset=utf-8"
    else:
        body = board_export.to_xlsx(view, lang)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _some(names: list[str], shown: int = 10) -> str:
    return ", ".join(names[:shown]) + (" …" if len(names) > shown else "")


def outcome_text(outcome: RemindOutcome, lang: str) -> str:
    parts = []
    if len(outcome.reminded) == 1:
        one = outcome.reminded[0]
        parts.append(t("remind.done_one", lang, agency=one.agency_name, recipients=", ".join(one.recipients)))
    elif outcome.reminded:
        people = sum(len(r.recipients) for r in outcome.reminded)
        parts.append(t("remind.done", lang, count=len(outcome.reminded), people=people))
    if outcome.already_today:
        parts.append(
            t(
                "remind.skipped_today",
                lang,
                count=len(outcome.already_today),
                agencies=_some(outcome.already_today),
            )
        )
    if outcome.no_recipients:
        parts.append(
            t(
                "remind.skipped_nobody",
                lang,
                count=len(outcome.no_recipients),
                agencies=_some(outcome.no_recipients),
            )
        )
    return " ".join(parts)


@router.post("/campaigns/{code}/board/remind", dependencies=[CsrfChecked])
def remind(
    request: Request,
    rt: RuntimeDep,
    user: SignedIn,
    code: str = Code,
    agency: Annotated[str, Form(max_length=64)] = "",
    message: Annotated[str, Form(max_length=4 * MESSAGE_MAX)] = "",
    group: Annotated[str, Form(max_length=32)] = "",
    state: Annotated[str, Form(max_length=32)] = "",
    q: Annotated[str, Form(max_length=200)] = "",
    overdue: Annotated[str, Form(max_length=5)] = "",
    at_risk: Annotated[str, Form(max_length=5)] = "",
    sort: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """One agency (the `agency` button of its row) or every agency the filters show."""
    filters = filters_of(group, state, q, overdue, at_risk, sort)
    lang = page_language(request)
    try:
        outcome = run_write(
            rt,
            lambda s: remind_now(
                s, rt, user, code, agencies=[agency] if agency else None, filters=filters, message=message
            ),
        )
    except (Invalid, Conflict, NotFound) as exc:
        if isinstance(exc, NotFound) and exc.key == "campaign.not_found":
            raise
        return _page(
            request,
            rt,
            user,
            code,
            filters,
            remind_error=t(exc.key, lang, **exc.params),
            message=message,
            status_code=exc.status,
        )
    flash(request, "remind.outcome", text=outcome_text(outcome, lang))
    query = filters.query_string()
    return RedirectResponse(f"/campaigns/{code}/board{'?' + query if query else ''}", status_code=303)
