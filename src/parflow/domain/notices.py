"""The kinds of message parflow sends. Each has a template folder in `notifications/`."""

from __future__ import annotations

NOTIFICATION_KINDS: dict[str, str] = {
    "reminder": "a milestone is coming and your part is still pending",
    "escalation": "a milestone was missed; sent up the ladder",
    "submitted": "an agency submitted its self-assessment (to Home Affairs)",
    "reopened": "a submitted self-assessment was reopened for changes (to the agency)",
    "returned": "a self-assessment was returned for revision (to the agency)",
    "appraisal_started": "appraisal of a submission has started (to the agency)",
    "results_sent": "appraisal results were sent (to the agency)",
    "dispute_filed": "an agency disputed an appraised score (to the responsible council member)",
    "dispute_resolved": "a dispute was resolved (to the agency)",
    "extension_granted": "a later deadline was granted (to the agency)",
    "approved": "the submission was approved (to the agency)",
    "published": "the campaign's results were published",
    "milestone_moved": "a campaign milestone moved (to everyone it concerns)",
    "daily_digest": "one message a day summarising the campaign (to Home Affairs)",
    "delivery_failure": "some messages could not be delivered (to Home Affairs)",
    "remind_now": "Home Affairs reminded an agency at once, with an optional message (to the agency)",
    "head_sign_off": "the focal point sent the self-assessment, or asks the head to confirm it (to the head)",
}
