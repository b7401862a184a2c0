"""Named 'pending parties': who still owes work for a milestone.

Workflow files name them under `milestones.<key>.pending`; the deadline service resolves each name
to the people who should be reminded. Only names listed here are accepted when a workflow loads.
"""

from __future__ import annotations

PENDING_PARTIES: dict[str, str] = {
    "agency_in_draft": "agencies whose submission is still in draft (self-assessment not submitted)",
    "council_unappraised": "council members with unappraised leaves in the fields assigned to them",
    "dispute_owner": "the council member responsible for an open dispute",
    "results_unsent": "submissions under appraisal whose appraisal results have not been sent",
    "approval_pending": "submissions not yet approved",
}
