"""The plain-data context of each message, fixed when the message is queued.

Templates render from this context alone (no database at delivery time), so a message says what
was true when it was caused. Values are JSON-native: dates as ISO strings, scores as strings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from parflow.domain.workflow import WorkflowDefinition
from parflow.store.models import Agency, Campaign, Submission


def campaign_ref(campaign: Campaign) -> dict[str, Any]:
    """Code, title, zone, and the sender and contact the campaign names (only when it does)."""
    ref: dict[str, Any] = {"code": campaign.code, "title": campaign.title, "timezone": campaign.timezone}
    for part in ("sender", "contact"):
        value = (campaign.mail_identity or {}).get(part)
        if value:
            ref[part] = dict(value)
    return ref


def agency_ref(agency: Agency) -> dict[str, Any]:
    ref = {
        "code": agency.code,
        "name": agency.name,
        "name_en": agency.name_en or agency.name,
        "group": agency.group,
    }
    if agency.head_title:
        ref["head_title"] = agency.head_title
    return ref


def submission_path(submission: Submission) -> str:
    return f"/submissions/{submission.id}"


def transition_context(
    *,
    campaign: Campaign,
    agency: Agency,
    submission: Submission,
    definition: WorkflowDefinition,
    trigger: str,
    source: str,
    dest: str,
    actor_name: str | None,
    comment: str | None,
    at: datetime,
) -> dict[str, Any]:
    transition = definition.transition(source, trigger)
    return {
        "campaign": campaign_ref(campaign),
        "agency": agency_ref(agency),
        "submission_id": submission.id,
        "trigger": trigger,
        "event_label": transition.label.model_dump() if transition else {"vi": trigger, "en": trigger},
        "from_state": {"key": source, **definition.states[source].model_dump()},
        "to_state": {"key": dest, **definition.states[dest].model_dump()},
        "actor_name": actor_name,
        "comment": comment,
        "at": at.isoformat(),
        "action_path": submission_path(submission),
    }
