"""One submission: the page itself, and firing a workflow event after a confirmation page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import col, select

from parflow.domain.errors import Conflict, Forbidden, IllegalTransition, Invalid, NotFound
from parflow.domain.roles import AGENCY_ROLES
from parflow.i18n import t
from parflow.services.common.lookups import get_campaign
from parflow.services.evidence.service import clean_text
from parflow.services.lifecycle import head_confirmation, sign_off
from parflow.services.lifecycle import submissions as submission_service
from parflow.services.scoring.score_sheet import load_sheet
from parflow.store.models import Submission
from parflow.web.deps import RuntimeDep, run_write
from parflow.web.fields import version_field
from parflow.web.pages.deps import CsrfChecked, SignedIn
from parflow.web.pages.forms import FormState, refused, summarise
from parflow.web.pages.sheet_fields import PendingField, field_blocks, pending_fields
from parflow.web.pages.submission_view import action_for, build, describe, unmet_guards
from parflow.web.templating import flash, page_language, render

router = APIRouter(include_in_schema=False)
SubmissionId = Path(ge=1, le=2**31 - 1)
Trigger = Path(max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
Code = Path(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
MAX_COMMENT = 4000


@router.get("/submissions/{submission_id}")
def submission_page(
    request: Request, rt: RuntimeDep, user: SignedIn, submission_id: int = SubmissionId
) -> Response:
    with rt.db.read() as session:
        found = submission_service.locate(session, rt, submission_id, user)
        view = build(session, rt, user, found)
        lang = page_language(request)
        lines = {
            i.entry.seq: describe(i.entry, lang, found.definition)
            for i in view.timeline
            if i.entry is not None
        }
    return render(
        request,
        "pages/submission.html",
        {"v": view, "campaign": found.campaign, "agency": found.agency, "describe": lines},
    )


@router.get("/campaigns/{code}/mine")
def my_submission(request: Request, rt: RuntimeDep, user: SignedIn, code: str = Code) -> Response:
    """The agency's own submission in this campaign (the navigation bar's "our submission")."""
    with rt.db.read() as session:
        campaign = get_campaign(session, code)
        agencies = user.agency_ids(campaign.id or 0)
        sid = session.exec(
            select(Submission.id)
            .where(Submission.campaign_id == campaign.id, col(Submission.agency_id).in_(agencies))
            .order_by(col(Submission.id))
        ).first()
    if sid is None:
        raise NotFound("campaign.not_found", code=code)
    return RedirectResponse(f"/submissions/{sid}", status_code=303)


def _confirm_page(
    request: Request,
    rt: RuntimeDep,
    user: SignedIn,
    submission_id: int,
    trigger: str,
    form: FormState,
    status: int = 200,
) -> Response:
    with rt.db.read() as session:
        found = submission_service.locate(session, rt, submission_id, user)
        definition = found.definition
        if trigger not in definition.triggers():
            raise NotFound("event.unknown", trigger=trigger)
        roles = user.roles_for_submission(found.campaign.id or 0, found.agency.id or 0)
        label = definition.trigger_label(trigger)
        if not definition.roles_for(trigger) & roles:
            raise Forbidden("event.role_not_allowed", trigger=label)
        transition = definition.transition(found.submission.state, trigger)
        unmet = []
        waiting: list[PendingField] = []
        if transition is None:
            state = definition.states[found.submission.state]
            form.headline = t("event.illegal", page_language(request), trigger=label, state=state)
            status = IllegalTransition.status
        else:
            action = action_for(transition, submission_id, found.campaign.code)
            if action.kind != "confirm":
                return RedirectResponse(action.href, status_code=303)
            raw = unmet_guards(session, rt, found, transition)
            if any(u.key == "guard.leaf_unappraised" for u in raw):
                # said per field with the members it waits for, not as every leaf of everyone
                sheet = load_sheet(session, found.submission, with_attachments=False)
                blocks = field_blocks(sheet.criteria, sheet.scores, value=lambda s: s.appraised_score)
                waiting = pending_fields(session, found.campaign.id or 0, blocks)
                raw = [u for u in raw if u.key != "guard.leaf_unappraised"]
            unmet = summarise(raw, page_language(request))
    return render(
        request,
        "pages/confirm_event.html",
        {
            "found": found,
            "campaign": found.campaign,
            "agency": found.agency,
            "transition": transition,
            "trigger": trigger,
            "label": label,
            "unmet": unmet,
            "waiting": waiting,
            "form": form,
            "comment_required": transition is not None and "comment_given" in transition.guards,
            "agency_reader": bool(roles & AGENCY_ROLES),
            "asks_head": transition is not None
            and sign_off.head_must_confirm(found.campaign, definition, transition, roles),
        },
        status_code=status,
    )


def _asks_head(rt: RuntimeDep, user: SignedIn, submission_id: int, trigger: str) -> bool:
    with rt.db.read() as session:
        found = submission_service.locate(session, rt, submission_id, user)
        roles = user.roles_for_submission(found.campaign.id or 0, found.agency.id or 0)
        transition = found.definition.transition(found.submission.state, trigger)
        return sign_off.head_must_confirm(found.campaign, found.definition, transition, roles)


@router.get("/submissions/{submission_id}/events/{trigger}")
def confirm_event(
    request: Request,
    rt: RuntimeDep,
    user: SignedIn,
    submission_id: int = SubmissionId,
    trigger: str = Trigger,
) -> Response:
    return _confirm_page(request, rt, user, submission_id, trigger, FormState())


@router.post("/submissions/{submission_id}/events/{trigger}", dependencies=[CsrfChecked])
def fire_event(
    request: Request,
    rt: RuntimeDep,
    user: SignedIn,
    submission_id: int = SubmissionId,
    trigger: str = Trigger,
    comment: Annotated[str, Form(max_length=MAX_COMMENT)] = "",
    expected_version: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    text = clean_text(comment, MAX_COMMENT)
    try:
        version = version_field(expected_version)
        if _asks_head(rt, user, submission_id, trigger):
            # the campaign wants the head's confirmation: the focal point's send is a request
            run_write(
                rt,
                lambda s: head_confirmation.request_confirmation(
                    s, rt, user, submission_id, trigger, comment=text, expected_version=version
                ),
            )
            flash(request, "web.head_confirmation_requested")
            return RedirectResponse(f"/submissions/{submission_id}", status_code=303)
        found, _entry = run_write(
            rt,
            lambda s: submission_service.fire_event(
                s, rt, user, submission_id, trigger, comment=text, expected_version=version
            ),
        )
    except (Invalid, Conflict) as exc:
        values = {"comment": comment, "expected_version": expected_version}
        form = refused(exc, page_language(request), values, {"comment"})
        return _confirm_page(request, rt, user, submission_id, trigger, form, exc.status)
    label = found.definition.trigger_label(trigger)
    flash(request, "web.event_done", event=label.get(page_language(request)))
    return RedirectResponse(f"/submissions/{submission_id}", status_code=303)
