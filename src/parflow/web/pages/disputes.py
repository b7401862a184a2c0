"""Disputes in the browser: the agency contests appraised scores; the responsible member decides."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from parflow.domain.errors import Conflict, Invalid, Unmet
from parflow.domain.roles import Role
from parflow.i18n import t
from parflow.services.common.access import Principal
from parflow.services.common.runtime import Runtime
from parflow.services.evidence.service import can_add_evidence, clean_text
from parflow.services.lifecycle.guard_facts import SubmissionFacts
from parflow.services.lifecycle.submissions import locate
from parflow.services.scoring import disputes as service
from parflow.services.scoring.common import agency_role
from parflow.services.scoring.score_sheet import load_sheet
from parflow.store.models import Criterion, Evidence, Person
from parflow.web.deps import RuntimeDep, run_write
from parflow.web.fields import shown, version_field, whole_number
from parflow.web.pages.deps import CsrfChecked, SignedIn
from parflow.web.pages.forms import FormState, refused
from parflow.web.templating import flash, page_language, render

router = APIRouter(include_in_schema=False)
SubmissionId = Path(ge=1, le=2**31 - 1)
DisputeId = Path(ge=1, le=2**31 - 1)


# --- filing (the agency) -------------------------------------------------------------------------


def _filing_view(session: Session, rt: Runtime, user: Principal, submission_id: int) -> dict[str, Any]:
    found = locate(session, rt, submission_id, user)
    agency_role(user, found)
    sheet = load_sheet(session, found.submission)
    closes = SubmissionFacts(
        session, found.submission, found.campaign, rt.clock.now()
    ).dispute_window_closes_at()
    leaves = [
        c
        for c in sheet.criteria
        if c.is_leaf
        and c.scored_by == "agency"
        and (s := sheet.scores.get(c.code))
        and s.appraised_score is not None
    ]
    return {
        "found": found,
        "campaign": found.campaign,
        "agency": found.agency,
        "sheet": sheet,
        "leaves": leaves,
        "window_closes": closes,
        "window_open": closes is not None and rt.clock.now() <= closes,
        "results_visible": found.submission.results_sent_at is not None,
        "evidence_open": can_add_evidence(session, rt, found),
    }


def _render_filing(
    request: Request, rt: Runtime, user: Principal, submission_id: int, form: FormState, status: int = 200
) -> Response:
    with rt.db.read() as session:
        context = _filing_view(session, rt, user, submission_id)
    context["form"] = form
    return render(request, "pages/dispute_form.html", context, status_code=status)


@router.get("/submissions/{submission_id}/disputes")
def dispute_form(
    request: Request, rt: RuntimeDep, user: SignedIn, submission_id: int = SubmissionId
) -> Response:
    return _render_filing(request, rt, user, submission_id, FormState())


@router.post("/submissions/{submission_id}/disputes", dependencies=[CsrfChecked])
async def file_disputes(
    request: Request, rt: RuntimeDep, user: SignedIn, submission_id: int = SubmissionId
) -> Response:
    form_data = await request.form()
    values = {k: v for k, v in form_data.items() if isinstance(v, str)}
    chosen = set(form_data.getlist("leaf"))
    items = []
    # an evidence choice that is not one of the page's ids (only a crafted post sends one)
    unreadable: list[Unmet] = []
    for key, text in values.items():
        if not key.startswith("argument-"):
            continue
        code = key.removeprefix("argument-")
        argument = (text or "").strip()
        if code in chosen or argument:
            evidence_text = values.get(f"evidence-{code}", "").strip()
            evidence_id = whole_number(evidence_text)
            if evidence_text and evidence_id is None:
                unreadable.append(
                    Unmet("dispute.bad_evidence", {"criterion": code, "id": shown(evidence_text)}, field=code)
                )
            items.append(
                service.DisputeIn(code, clean_text(argument, service.MAX_ARGUMENT + 1) or "", evidence_id)
            )
    lang = page_language(request)
    for code in chosen:
        values[f"leaf:{code}"] = "1"
    if not items:
        form = FormState(values=values, headline=t("web.choose_leaf", lang))
        return await run_in_threadpool(_render_filing, request, rt, user, submission_id, form, 422)
    try:
        if unreadable:
            raise Invalid("dispute.rejected", unmet=unreadable)
        version = version_field(values.get("expected_version"))
        _found, rows = await run_in_threadpool(
            run_write,
            rt,
            lambda s: service.file_disputes(s, rt, user, submission_id, items, expected_version=version),
        )
    except (Invalid, Conflict) as exc:
        form = refused(exc, lang, values)
        return await run_in_threadpool(_render_filing, request, rt, user, submission_id, form, exc.status)
    flash(request, "web.disputes_filed", count=str(len(rows)))
    return RedirectResponse(f"/submissions/{submission_id}", status_code=303)


# --- resolving (the responsible council member, or Home Affairs) ---------------------------------


def _dispute_view(session: Session, rt: Runtime, user: Principal, dispute_id: int) -> dict[str, Any]:
    found, row = service.locate_dispute(session, rt, dispute_id, user)
    roles = user.roles_for_submission(found.campaign.id or 0, found.agency.id or 0)
    may_resolve = row.status == "open" and (
        (row.owner_id == user.person_id and Role.council in roles) or Role.home_affairs in roles
    )
    leaf = session.exec(
        select(Criterion).where(
            Criterion.set_id == found.submission.criteria_set_id, Criterion.code == row.criterion_code
        )
    ).one()
    sheet = load_sheet(session, found.submission)
    ids = {i for i in (row.filed_by, row.owner_id, row.resolved_by) if i}
    people = {p.id: p.name for p in session.exec(select(Person).where(Person.id.in_(ids)))} if ids else {}  # type: ignore[union-attr]
    evidence = session.get(Evidence, row.evidence_id) if row.evidence_id else None
    return {
        "found": found,
        "campaign": found.campaign,
        "agency": found.agency,
        "dispute": row,
        "leaf": leaf,
        "score_row": sheet.scores.get(row.criterion_code),
        "leaf_evidence": sheet.evidence.get(row.criterion_code, []),
        "dispute_evidence": evidence,
        "people": people,
        "may_resolve": may_resolve,
    }


def _render_dispute(
    request: Request, rt: Runtime, user: Principal, dispute_id: int, form: FormState, status: int = 200
) -> Response:
    with rt.db.read() as session:
        context = _dispute_view(session, rt, user, dispute_id)
    context["form"] = form
    return render(request, "pages/dispute.html", context, status_code=status)


@router.get("/disputes/{dispute_id}")
def dispute_page(request: Request, rt: RuntimeDep, user: SignedIn, dispute_id: int = DisputeId) -> Response:
    return _render_dispute(request, rt, user, dispute_id, FormState())


# refusals raised without a field, placed next to the field they are about
FIELD_OF_KEY = {
    "dispute.reason_required": "reason",
    "dispute.score_required": "score",
    "dispute.score_with_rejection": "score",
    "dispute.bad_outcome": "outcome",
}


@router.post("/disputes/{dispute_id}/resolve", dependencies=[CsrfChecked])
async def resolve(request: Request, rt: RuntimeDep, user: SignedIn, dispute_id: int = DisputeId) -> Response:
    form_data = await request.form()
    values = {k: v for k, v in form_data.items() if isinstance(v, str)}
    outcome = values.get("outcome", "")
    reason = clean_text(values.get("reason", ""), 4000) or ""
    raw_score = (values.get("score") or "").strip() or None
    lang = page_language(request)
    if outcome not in ("accepted", "rejected"):
        form = FormState(values=values, headline=t("web.form_invalid", lang))
        form.add("outcome", t("web.choose_outcome", lang))
        return await run_in_threadpool(_render_dispute, request, rt, user, dispute_id, form, 422)
    verdict: Literal["accepted", "rejected"] = "accepted" if outcome == "accepted" else "rejected"
    try:
        version = version_field(values.get("expected_version"))
        found, row, _last = await run_in_threadpool(
            run_write,
            rt,
            lambda s: service.resolve_dispute(
                s,
                rt,
                user,
                dispute_id,
                verdict,
                reason,
                raw_score if verdict == "accepted" else None,
                expected_version=version,
            ),
        )
    except (Invalid, Conflict) as exc:
        form = refused(exc, lang, values, {"reason", "score", "outcome"})
        if exc.key in FIELD_OF_KEY:
            form.add(FIELD_OF_KEY[exc.key], form.headline or "")
        _score_problems_next_to_score(form, exc, lang)
        return await run_in_threadpool(_render_dispute, request, rt, user, dispute_id, form, exc.status)
    flash(request, "web.dispute_resolved", criterion=row.criterion_code)
    if Role.council in user.roles_in(found.campaign.id or 0):
        return RedirectResponse(f"/campaigns/{found.campaign.code}/council", status_code=303)
    return RedirectResponse(f"/submissions/{found.submission.id}", status_code=303)


def _score_problems_next_to_score(form: FormState, exc: Invalid | Conflict, lang: str) -> None:
    """A refused score names the leaf as its field; on this form it belongs beside the score box."""
    if not isinstance(exc, Invalid):
        return
    for u in exc.unmet:
        if u.key.startswith("scoring.score_"):
            message = t(u.key, lang, **u.params)
            if message in form.problems:
                form.problems.remove(message)
            form.add("score", message)
