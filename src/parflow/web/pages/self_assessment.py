"""The agency's self-assessment form: every leaf, field by field, saved as one batch."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from parflow.domain.errors import Conflict, Invalid
from parflow.domain.scoring import ScoreError, parse_points
from parflow.i18n import format_score
from parflow.services.common.access import Principal
from parflow.services.common.runtime import Runtime
from parflow.services.evidence import service as evidence_service
from parflow.services.evidence.service import can_add_evidence, clean_text
from parflow.services.lifecycle.submissions import locate
from parflow.services.scoring import self_assessment
from parflow.services.scoring.common import agency_role
from parflow.services.scoring.score_sheet import load_sheet
from parflow.web.deps import RuntimeDep, run_write
from parflow.web.fields import version_field
from parflow.web.pages.deps import CsrfChecked, SignedIn
from parflow.web.pages.forms import FormState, Problem, refused, summarise
from parflow.web.pages.sheet_fields import field_blocks
from parflow.web.pages.submission_view import action_for, allowed_actions, unmet_guards
from parflow.web.templating import flash, page_language, render

router = APIRouter(include_in_schema=False)
SubmissionId = Path(ge=1, le=2**31 - 1)
MAX_EXPLANATION = 4000


def _view(session: Session, rt: Runtime, user: Principal, submission_id: int, lang: str) -> dict[str, Any]:
    found = locate(session, rt, submission_id, user)
    agency_role(user, found)  # the form is the agency's own: others get 403
    sheet = load_sheet(session, found.submission)
    editable = found.definition.in_phase(found.submission.state, "self_assessment")
    blockers: list[tuple[str, list[Problem]]] = []
    if editable:
        for action in allowed_actions(rt, user, found):
            transition = found.definition.transition(found.submission.state, action.trigger)
            if (
                transition is None
                or action_for(transition, submission_id, found.campaign.code).kind != "confirm"
            ):
                continue
            blockers.append((action.trigger, summarise(unmet_guards(session, rt, found, transition), lang)))
    stored = {
        code: {
            "score": format_score(s.self_score, lang) if s.self_score is not None else "",
            "explanation": s.explanation or "",
        }
        for code, s in sheet.scores.items()
    }
    leaves = [c for c in sheet.criteria if c.is_leaf and c.scored_by == "agency"]
    scored = sum(1 for c in leaves if (s := sheet.scores.get(c.code)) and s.self_score is not None)
    return {
        "found": found,
        "campaign": found.campaign,
        "agency": found.agency,
        "sheet": sheet,
        "blocks": field_blocks(sheet.criteria, sheet.scores),
        "editable": editable,
        "evidence_open": can_add_evidence(session, rt, found),
        "blockers": blockers,
        "stored": stored,
        # the agency's own part: what the form's running total adds up as the person types
        "self_total": sum(
            (s.self_score for c in leaves if (s := sheet.scores.get(c.code)) and s.self_score is not None),
            Decimal(0),
        ),
        "leaves_total": len(leaves),
        "leaves_scored": scored,
    }


def _render(
    request: Request, rt: Runtime, user: Principal, submission_id: int, form: FormState, status: int = 200
) -> Response:
    lang = page_language(request)
    with rt.db.read() as session:
        context = _view(session, rt, user, submission_id, lang)
    context["form"] = form
    return render(request, "pages/self_assessment.html", context, status_code=status)


@router.get("/submissions/{submission_id}/self-assessment")
def self_assessment_form(
    request: Request, rt: RuntimeDep, user: SignedIn, submission_id: int = SubmissionId
) -> Response:
    return _render(request, rt, user, submission_id, FormState())


def _same(raw: str, stored: Decimal | None) -> bool:
    if not raw.strip():
        return stored is None
    try:
        return stored is not None and parse_points(raw) == stored
    except ScoreError:
        return False


@router.post("/submissions/{submission_id}/self-assessment", dependencies=[CsrfChecked])
async def save_self_assessment(
    request: Request, rt: RuntimeDep, user: SignedIn, submission_id: int = SubmissionId
) -> Response:
    form_data = await request.form()
    values = {k: v for k, v in form_data.items() if isinstance(v, str)}

    def changed_entries() -> list[self_assessment.SelfScoreIn]:
        """Only the leaves whose score or explanation differ from what is stored."""
        with rt.db.read() as session:
            found = locate(session, rt, submission_id, user)
            sheet = load_sheet(session, found.submission, with_attachments=False)
        entries = []
        for c in sheet.criteria:
            if not c.is_leaf or c.scored_by != "agency":
                continue
            raw = values.get(f"score-{c.code}")
            if raw is None:
                continue  # not on the form that was posted
            explanation = clean_text(values.get(f"explanation-{c.code}", ""), MAX_EXPLANATION)
            stored = sheet.scores.get(c.code)
            if _same(raw, stored.self_score if stored else None) and explanation == (
                stored.explanation if stored else None
            ):
                continue
            entries.append(self_assessment.SelfScoreIn(c.code, raw.strip() or None, explanation))
        return entries

    then = values.get("then", "")
    try:
        version = version_field(values.get("expected_version"))
        entries = await run_in_threadpool(changed_entries)
        count = 0
        if entries:
            saved = await run_in_threadpool(
                run_write,
                rt,
                lambda s: self_assessment.save_self_scores(
                    s, rt, user, submission_id, entries, expected_version=version
                ),
            )
            count = len(saved.changed)
        removing = _evidence_to_remove(then)
        if removing is not None:
            # the typed scores are saved first (above), so taking evidence back loses nothing
            await run_in_threadpool(
                run_write,
                rt,
                lambda s: evidence_service.remove_evidence(s, rt, user, submission_id, removing),
            )
    except (Invalid, Conflict) as exc:
        form = refused(exc, page_language(request), values)
        return await run_in_threadpool(_render, request, rt, user, submission_id, form, exc.status)
    if removing is not None:
        flash(request, "web.saved_evidence_removed", count=str(count))
    elif count:
        flash(request, "web.scores_saved", count=str(count))
    elif not then:
        flash(request, "web.nothing_changed")
    return RedirectResponse(_next_page(submission_id, then), status_code=303)


def _evidence_to_remove(then: str) -> int | None:
    kind, _, rest = then.partition(":")
    if kind != "remove" or not rest.isdigit() or len(rest) > 10:
        return None
    return int(rest)


def _next_page(submission_id: int, then: str) -> str:
    """Where the person was going when they pressed a button of the score form: the scores are
    saved by then, so following "add evidence" or "remove" never loses what was typed."""
    here = f"/submissions/{submission_id}/self-assessment"
    kind, _, rest = then.partition(":")
    code = rest if rest and len(rest) <= 32 and all(ch.isalnum() or ch in "._-" for ch in rest) else ""
    if kind == "evidence":
        return f"/submissions/{submission_id}/evidence/new" + (f"?criterion={code}" if code else "")
    if kind == "remove":
        return here
    if kind == "paper":
        return f"{here}/report"
    if kind == "leaf" and code:
        return f"{here}#leaf-{code}"
    return here
