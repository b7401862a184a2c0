"""A council member's appraisal of one submission: the leaves of their fields, saved as one batch."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from parflow.domain.errors import Conflict, Forbidden, Invalid
from parflow.domain.roles import Role
from parflow.domain.scoring import ScoreError, parse_points
from parflow.i18n import format_score
from parflow.services.common.access import Principal
from parflow.services.common.runtime import Runtime
from parflow.services.evidence.service import clean_text
from parflow.services.lifecycle.submissions import locate
from parflow.services.scoring import appraisal
from parflow.services.scoring.score_sheet import load_sheet
from parflow.store.models import Criterion
from parflow.web.deps import RuntimeDep, run_write
from parflow.web.fields import version_field
from parflow.web.pages.deps import CsrfChecked, SignedIn
from parflow.web.pages.forms import FormState, refused
from parflow.web.pages.sheet_fields import field_blocks, pending_fields
from parflow.web.pages.submission_view import allowed_actions, unmet_guards
from parflow.web.templating import flash, page_language, render

router = APIRouter(include_in_schema=False)
SubmissionId = Path(ge=1, le=2**31 - 1)
MAX_COMMENT = 4000


def my_leaves(
    session: Session, rt: Runtime, user: Principal, submission_id: int
) -> tuple[Any, Any, list[Criterion]]:
    found = locate(session, rt, submission_id, user)
    campaign_id = found.campaign.id or 0
    if Role.council not in user.roles_in(campaign_id):
        raise Forbidden("appraisal.council_only")
    fields = user.council_fields(campaign_id)
    sheet = load_sheet(session, found.submission)
    leaves = [c for c in sheet.criteria if c.is_leaf and c.scored_by == "agency" and c.field_code in fields]
    return found, sheet, leaves


def _view(session: Session, rt: Runtime, user: Principal, submission_id: int, lang: str) -> dict[str, Any]:
    found, sheet, leaves = my_leaves(session, rt, user, submission_id)
    mine = {c.code for c in leaves}
    mine_fields = {c.field_code for c in leaves}
    headers = [
        c for c in sheet.criteria if not c.is_leaf and any(code.startswith(c.code + ".") for code in mine)
    ]
    order = {c.code: i for i, c in enumerate(sheet.criteria)}
    rows = sorted([*headers, *leaves], key=lambda c: order[c.code])
    stored = {
        code: {
            "score": format_score(s.appraised_score, lang) if s.appraised_score is not None else "",
            "comment": s.appraisal_comment or "",
        }
        for code, s in sheet.scores.items()
    }
    pending = sum(1 for c in leaves if (s := sheet.scores.get(c.code)) is None or s.appraised_score is None)
    every_field = field_blocks(sheet.criteria, sheet.scores, value=lambda s: s.appraised_score)
    waiting = pending_fields(session, found.campaign.id or 0, every_field)
    # "send results" is offered only to who may fire it, and only when every field is appraised
    sendable = []
    for action in allowed_actions(rt, user, found):
        transition = found.definition.transition(found.submission.state, action.trigger)
        if action.kind != "confirm" or transition is None:
            continue
        if not waiting and not unmet_guards(session, rt, found, transition):
            sendable.append(action)
    return {
        "found": found,
        "campaign": found.campaign,
        "agency": found.agency,
        "sheet": sheet,
        "rows": rows,
        "stored": stored,
        "pending": pending,
        "leaves_total": len(leaves),
        "editable": found.definition.in_phase(found.submission.state, "appraisal"),
        "actions": sendable,
        "waiting": waiting,
        "blocks": field_blocks(
            sheet.criteria, sheet.scores, value=lambda s: s.appraised_score, only=mine_fields
        ),
        "self_by_field": sheet.figures().by_field_self,
        "paper_path": f"/submissions/{submission_id}/appraisal/report",
    }


def _render(
    request: Request, rt: Runtime, user: Principal, submission_id: int, form: FormState, status: int = 200
) -> Response:
    lang = page_language(request)
    with rt.db.read() as session:
        context = _view(session, rt, user, submission_id, lang)
    context["form"] = form
    return render(request, "pages/appraisal.html", context, status_code=status)


@router.get("/submissions/{submission_id}/appraisal")
def appraisal_form(
    request: Request, rt: RuntimeDep, user: SignedIn, submission_id: int = SubmissionId
) -> Response:
    return _render(request, rt, user, submission_id, FormState())


def _same(raw: str, stored: Decimal | None) -> bool:
    try:
        return stored is not None and parse_points(raw) == stored
    except ScoreError:
        return False


@router.post("/submissions/{submission_id}/appraisal", dependencies=[CsrfChecked])
async def save_appraisal(
    request: Request, rt: RuntimeDep, user: SignedIn, submission_id: int = SubmissionId
) -> Response:
    form_data = await request.form()
    values = {k: v for k, v in form_data.items() if isinstance(v, str)}
    # "accept the self-score" for every leaf left blank: the usual case, in one click
    accept_rest = values.get("accept_rest") == "1"

    def entries() -> list[appraisal.AppraisalIn]:
        with rt.db.read() as session:
            _found, sheet, leaves = my_leaves(session, rt, user, submission_id)
        result = []
        for c in leaves:
            raw = (values.get(f"appraised-{c.code}") or "").strip()
            comment = clean_text(values.get(f"comment-{c.code}", ""), MAX_COMMENT)
            stored = sheet.scores.get(c.code)
            if not raw:
                if (
                    accept_rest
                    and stored is not None
                    and stored.self_score is not None
                    and stored.appraised_score is None
                ):
                    result.append(appraisal.AppraisalIn(c.code, stored.self_score, comment))
                continue
            if (
                stored is not None
                and _same(raw, stored.appraised_score)
                and comment == stored.appraisal_comment
            ):
                continue
            result.append(appraisal.AppraisalIn(c.code, raw, comment))
        return result

    try:
        version = version_field(values.get("expected_version"))
        items = await run_in_threadpool(entries)
        if not items:
            flash(request, "web.nothing_changed")
            return RedirectResponse(f"/submissions/{submission_id}/appraisal", status_code=303)
        saved = await run_in_threadpool(
            run_write,
            rt,
            lambda s: appraisal.save_appraisals(s, rt, user, submission_id, items, expected_version=version),
        )
    except (Invalid, Conflict) as exc:
        form = refused(exc, page_language(request), values)
        return await run_in_threadpool(_render, request, rt, user, submission_id, form, exc.status)
    flash(request, "web.appraisals_saved", count=str(len(saved.changed)))
    return RedirectResponse(f"/submissions/{submission_id}/appraisal", status_code=303)
