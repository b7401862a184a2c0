"""The focal point asks the head to confirm the self-assessment (campaigns with
`require_head_confirmation`): checked like the send itself, recorded, and the head is told. The
head's confirmation is the workflow's own send, fired by the head (services/lifecycle/submissions)."""

from __future__ import annotations

from sqlmodel import Session

from parflow.domain.errors import Forbidden, GuardFailed, IllegalTransition
from parflow.domain.guards import GUARDS
from parflow.domain.roles import Role
from parflow.services.common import audit
from parflow.services.common.access import Principal
from parflow.services.common.runtime import Runtime
from parflow.services.lifecycle import sign_off
from parflow.services.lifecycle.guard_facts import SubmissionFacts
from parflow.services.lifecycle.submissions import Located, check_version, locate
from parflow.store.models import Person


def request_confirmation(
    session: Session,
    rt: Runtime,
    principal: Principal,
    submission_id: int,
    trigger: str,
    *,
    comment: str | None = None,
    expected_version: int | None = None,
) -> Located:
    now = rt.clock.now()
    found = locate(session, rt, submission_id, principal, lock=True)
    submission, campaign, definition = found.submission, found.campaign, found.definition
    check_version(submission, expected_version)
    roles = principal.roles_for_submission(campaign.id or 0, found.agency.id or 0)
    if Role.agency_editor not in roles:
        raise Forbidden("event.role_not_allowed", trigger=definition.trigger_label(trigger))
    transition = definition.transition(submission.state, trigger)
    if transition is None or not sign_off.sends_self_assessment(definition, transition):
        raise IllegalTransition(
            "event.illegal",
            trigger=definition.trigger_label(trigger),
            state=definition.states[submission.state],
        )
    # the head confirms a report that could be sent: the same conditions as the send itself
    facts = SubmissionFacts(session, submission, campaign, now, comment)
    unmet = [u for name in transition.guards if name != "comment_given" for u in GUARDS[name](facts)]
    if unmet:
        raise GuardFailed("event.guard_failed", unmet=unmet, trigger=definition.trigger_label(trigger))
    submission.head_confirmation_requested_at = now
    submission.head_confirmation_requested_by = principal.person_id
    submission.version += 1
    session.add(submission)
    actor = session.get(Person, principal.person_id)
    entry = audit.append(
        session,
        campaign,
        action="head_confirmation_requested",
        at=now,
        actor=actor,
        actor_role=Role.agency_editor,
        submission=submission,
        agency=found.agency,
        comment=comment,
        data={"version": submission.version, "trigger": trigger},
    )
    sign_off.notify_heads(
        session,
        campaign=campaign,
        agency=found.agency,
        submission=submission,
        actor=actor,
        mode="request",
        at=now,
        occurrence=entry.seq,
        comment=comment,
    )
    session.flush()
    return found
