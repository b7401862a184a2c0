"""The campaign page: milestones and the working calendar for everyone taking part; for Home
Affairs also moving a milestone, granting an extension, importing the survey and appraisal progress.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from parflow.domain.deadlines import open_milestones
from parflow.domain.errors import Conflict, Forbidden, Invalid, NotFound, TooLarge
from parflow.domain.roles import Role
from parflow.domain.season import season_over
from parflow.i18n import format_date, t
from parflow.i18n.collation import vietnamese_key
from parflow.services.common.access import CAMPAIGN_WIDE_READERS, Principal
from parflow.services.common.calendars import campaign_calendar
from parflow.services.common.lookups import get_campaign
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines import extensions, milestones
from parflow.services.deadlines.due import answered_milestones
from parflow.services.results import survey
from parflow.services.scoring import appraisal
from parflow.store.models import Agency, Milestone, Submission
from parflow.web.deps import RuntimeDep, run_write
from parflow.web.pages.calendar_view import days_off_between, month_grids
from parflow.web.pages.deps import CsrfChecked, SignedIn, check_csrf_value
from parflow.web.pages.forms import FormState, parse_day, refused
from parflow.web.templating import flash, page_language, render
from parflow.web.uploads import receive_multipart

router = APIRouter(include_in_schema=False)
Code = Path(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
FORMS = ("move", "extension", "survey")


def campaign_context(session: Session, rt: Runtime, user: Principal, code: str, lang: str) -> dict[str, Any]:
    campaign = get_campaign(session, code)
    roles = user.roles_in(campaign.id or 0)
    if not roles:
        raise NotFound("campaign.not_found", code=code)
    definition = rt.workflows.definition(campaign.workflow_name)
    cal = campaign_calendar(session, campaign)
    today = cal.local_date(rt.clock.now())
    rows = {m.key: m for m in session.exec(select(Milestone).where(Milestone.campaign_id == campaign.id))}
    # a milestone is behind us once no submission still has it open (all of them after publication)
    still_open: set[str] = set()
    over = season_over(campaign.published_at, [m.due_date for m in rows.values()], today)
    if campaign.published_at is None:
        for sub in session.exec(
            select(Submission).where(
                Submission.campaign_id == campaign.id, col(Submission.excluded_reason).is_(None)
            )
        ):
            still_open.update(open_milestones(definition, sub.state, answered_milestones(sub)))
    lines = [
        {
            "key": key,
            "label": spec.label,
            "due": rows[key].due_date,
            "base": definition.milestones[rows[key].base_key].label
            if rows[key].base_key in definition.milestones
            else None,
            "offset": rows[key].offset_working_days,
            "left": cal.working_days_between(today, rows[key].due_date),
            "done": key not in still_open,
            # a past season counts no overdue days: it says it is over
            "overdue": not over and key in still_open and today > rows[key].due_date,
            "season_over": over and key in still_open,
        }
        for key, spec in definition.milestones.items()
        if key in rows
    ]
    dates = [line["due"] for line in lines]
    first = (
        min([*dates, today]) if dates and (min(dates) - today).days < 45 else (min(dates) if dates else today)
    )
    last = max(dates) if dates else today
    by_day: dict[Any, list[str]] = {}
    for line in lines:
        by_day.setdefault(line["due"], []).append(line["label"].get(lang))
    agencies = sorted(
        session.exec(select(Agency).where(Agency.campaign_id == campaign.id)),
        key=lambda a: (a.group, vietnamese_key(a.name)),
    )
    names = {a.id: a for a in agencies}
    granted = [(x, names.get(x.agency_id)) for x in extensions.visible_extensions(session, user, campaign)]
    mine = user.agency_ids(campaign.id or 0)
    my_submissions = (
        list(
            session.exec(
                select(Submission).where(
                    Submission.campaign_id == campaign.id, col(Submission.agency_id).in_(mine)
                )
            )
        )
        if mine
        else []
    )
    progress = None
    if roles & CAMPAIGN_WIDE_READERS:
        progress = appraisal.appraisal_progress(session, rt, user, code)
    return {
        "campaign": campaign,
        "definition": definition,
        "roles": roles,
        "is_home_affairs": Role.home_affairs in roles,
        "milestones": lines,
        "season_over": over,
        "months": month_grids(cal, first.replace(day=1), last, by_day, today, lang),
        "days_off": days_off_between(cal, first.replace(day=1), last, lang),
        "extra_working": sorted(d for d in cal.extra_working_days if first.replace(day=1) <= d <= last),
        "today": today,
        "agencies": agencies,
        "extensions": granted,
        "my_submissions": my_submissions,
        "progress": progress,
    }


def _render(
    request: Request,
    rt: Runtime,
    user: Principal,
    code: str,
    forms: dict[str, FormState] | None = None,
    status: int = 200,
) -> Response:
    lang = page_language(request)
    with rt.db.read() as session:
        context = campaign_context(session, rt, user, code, lang)
    context["forms"] = {name: (forms or {}).get(name, FormState()) for name in FORMS}
    return render(request, "pages/campaign.html", context, status_code=status)


@router.get("/campaigns/{code}")
def campaign_page(request: Request, rt: RuntimeDep, user: SignedIn, code: str = Code) -> Response:
    return _render(request, rt, user, code)


@router.post("/campaigns/{code}/milestones", dependencies=[CsrfChecked])
def move_milestone(
    request: Request,
    rt: RuntimeDep,
    user: SignedIn,
    code: str = Code,
    milestone: Annotated[str, Form(max_length=64)] = "",
    new_date: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    lang = page_language(request)
    values = {"milestone": milestone, "new_date": new_date, "reason": reason}
    day = parse_day(new_date)
    if day is None:
        form = FormState(values=values, headline=t("milestone.invalid", lang))
        form.add("new_date", t("web.date_unreadable", lang, value=new_date))
        return _render(request, rt, user, code, {"move": form}, 422)
    try:
        outcome = run_write(
            rt, lambda s: milestones.move_milestone_outcome(s, rt, user, code, milestone, day, reason)
        )
    except (Invalid, Conflict) as exc:
        form = refused(exc, lang, values, {"milestone", "new_date", "reason"}, {"due_date": "new_date"})
        return _render(request, rt, user, code, {"move": form}, exc.status)
    flash(
        request,
        "web.milestone_moved",
        count=str(len(outcome.moves)),
        notified=str(outcome.notified),
        cancelled=str(outcome.cancelled),
        rescheduled=str(outcome.rescheduled),
    )
    return RedirectResponse(f"/campaigns/{code}#milestones", status_code=303)


@router.post("/campaigns/{code}/extensions", dependencies=[CsrfChecked])
def grant_extension(
    request: Request,
    rt: RuntimeDep,
    user: SignedIn,
    code: str = Code,
    agency: Annotated[str, Form(max_length=64)] = "",
    milestone: Annotated[str, Form(max_length=64)] = "",
    new_date: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    lang = page_language(request)
    values = {"agency": agency, "milestone": milestone, "new_date": new_date, "reason": reason}
    day = parse_day(new_date)
    form = FormState(values=values)
    if not agency:
        form.add("agency", t("web.choose_agency", lang))
    if not milestone:
        form.add("milestone", t("web.choose_milestone", lang))
    if day is None:
        form.add("new_date", t("web.date_unreadable", lang, value=new_date))
    if form.failed or day is None:
        form.headline = t("extension.invalid", lang)
        return _render(request, rt, user, code, {"extension": form}, 422)
    try:
        grant, _old = run_write(
            rt,
            lambda s: extensions.grant_extension(
                s, rt, user, code, agency_code=agency, milestone=milestone, new_date=day, reason=reason
            ),
        )
    except (Invalid, Conflict) as exc:
        form = refused(exc, lang, values, {"agency", "milestone", "new_date", "reason"})
        return _render(request, rt, user, code, {"extension": form}, exc.status)
    flash(request, "web.extension_granted", agency=agency, date=format_date(grant.new_date))
    return RedirectResponse(f"/campaigns/{code}#extensions", status_code=303)


@router.post("/campaigns/{code}/survey")
async def import_survey(request: Request, rt: RuntimeDep, user: SignedIn, code: str = Code) -> Response:
    """Survey results from a CSV or XLSX file: every row checked; any bad row rejects the file and
    each bad row is listed with its reason."""

    def precheck() -> None:
        with rt.db.read() as session:
            campaign = get_campaign(session, code)
            if not user.roles_in(campaign.id or 0):
                raise NotFound("campaign.not_found", code=code)
            if Role.home_affairs not in user.roles_in(campaign.id or 0):
                raise Forbidden("survey.home_affairs_only")

    await run_in_threadpool(precheck)
    lang = page_language(request)
    try:
        upload = await receive_multipart(request, rt.settings.evidence_dir, rt.settings.evidence_max_bytes)
    except TooLarge as exc:
        return await run_in_threadpool(
            _render, request, rt, user, code, {"survey": refused(exc, lang)}, exc.status
        )
    try:
        check_csrf_value(request, upload.fields.get("csrf_token"))
        if upload.file is None or upload.file.size == 0 or not upload.filename:
            form = FormState(headline=t("survey.file_required", lang))
            form.add("file", t("survey.file_required", lang))
            return await run_in_threadpool(_render, request, rt, user, code, {"survey": form}, 422)
        data = upload.file.path.read_bytes()
        source = upload.filename
        try:
            report = await run_in_threadpool(
                run_write, rt, lambda s: survey.import_survey(s, rt, user, code, data, source)
            )
        except (Invalid, Conflict) as exc:
            form = refused(exc, lang, {}, set())
            return await run_in_threadpool(_render, request, rt, user, code, {"survey": form}, exc.status)
    finally:
        upload.discard()
    if report.without_results:
        flash(
            request,
            "web.survey_imported_missing",
            count=str(len(report.agencies)),
            missing=", ".join(report.without_results),
        )
    else:
        flash(request, "web.survey_imported", count=str(len(report.agencies)))
    return RedirectResponse(f"/campaigns/{code}#survey", status_code=303)
