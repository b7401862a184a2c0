"""The agency head's part in sending the self-assessment (issue 15).

The report is the head's document: the head is told whenever the focal point sends it. A campaign
may also require the head's confirmation (`require_head_confirmation`): then the transition that
leaves the self-assessment phase is the head's to fire, and the focal point's send only records a
request and tells the head. The workflow keeps its states; this is a rule on who fires.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from parflow.domain.errors import GuardFailed, Unmet
from parflow.domain.roles import Role
from parflow.domain.workflow import Transition, WorkflowDefinition
from parflow.services.common import outbox
from parflow.services.common.audit import Actor
from parflow.services.common.notices import agency_ref, campaign_ref, submission_path
from parflow.store.models import Agency, Campaign, Submission

KIND = "head_sign_off"


def sends_self_assessment(definition: WorkflowDefinition, transition: Transition) -> bool:
    """The transition that takes a self-assessment out of the agency's hands."""
    return definition.in_phase(transition.source, "self_assessment") and not definition.in_phase(
        transition.dest, "self_assessment"
    )


def head_must_confirm(
    campaign: Campaign, definition: WorkflowDefinition, transition: Transition | None, roles: set[str]
) -> bool:
    return (
        campaign.require_head_confirmation
        and transition is not None
        and sends_self_assessment(definition, transition)
        and Role.agency_head not in roles
    )


def refuse_without_head(
    campaign: Campaign, definition: WorkflowDefinition, transition: Transition | None, roles: set[str]
) -> None:
    if head_must_confirm(campaign, definition, transition, roles):
        raise GuardFailed("head.confirmation_needed", unmet=[Unmet("head.confirmation_needed", {}, None)])


def notify_heads(
    session: Session,
    *,
    campaign: Campaign,
    agency: Agency,
    submission: Submission,
    actor: Actor | None,
    mode: str,  # "request": asked to confirm; "sent": told the report went out
    at: datetime,
    occurrence: int,
    comment: str | None = None,
) -> int:
    """Queue the head's message (once per occurrence); how many were queued."""
    heads = outbox.recipients(session, campaign.id or 0, [Role.agency_head], agency.id)
    return outbox.enqueue_all(
        session,
        head_messages(
            heads,
            campaign=campaign,
            agency=agency,
            submission=submission,
            actor=actor,
            mode=mode,
            at=at,
            occurrence=occurrence,
            comment=comment,
        ),
    )


def head_messages(
    heads: list[tuple[outbox.Recipient, str]],
    *,
    campaign: Campaign,
    agency: Agency,
    submission: Submission,
    actor: Actor | None,
    mode: str,
    at: datetime,
    occurrence: int,
    comment: str | None = None,
) -> list[dict[str, Any]]:
    """The outbox rows of `notify_heads` for `heads` (the agency's heads), for a caller that
    writes them with its own messages."""
    context = {
        "campaign": campaign_ref(campaign),
        "agency": agency_ref(agency),
        "submission_id": submission.id,
        "mode": mode,
        "actor_name": actor.name if actor else None,
        "comment": comment,
        "at": at.isoformat(),
        "action_path": submission_path(submission),
        "report_path": f"{submission_path(submission)}/self-assessment/report",
    }
    return [
        outbox.message(
            key=f"{KIND}:{campaign.id}:{submission.id}:{mode}:{occurrence}:{person.id}",
            kind=KIND,
            person=person,
            now=at,
            context=context,
            submission=submission,
        )
        for person, _role in heads
        if actor is None or person.id != actor.id
    ]
