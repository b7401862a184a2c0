"""Getting a campaign ready to publish: which agencies can be approved now, which block
publication and why, and approving every ready one in one go.

The check list is what Home Affairs (or the city leadership) reads before publishing: for each
agency, its state and, where the approving transition applies, every guard still unmet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from parflow.domain.errors import Forbidden, Invalid, NotFound, Unmet
from parflow.domain.guards import GUARDS
from parflow.domain.roles import AGENCY_ROLES
from parflow.domain.workflow import WorkflowDefinition
from parflow.i18n.collation import vietnamese_key
from parflow.services.common.access import Principal
from parflow.services.common.joins import AGENCY_OF_SUBMISSION
from parflow.services.common.lookups import get_campaign
from parflow.services.common.runtime import Runtime
from parflow.services.lifecycle.guard_facts import facts_for_many
from parflow.services.lifecycle.submissions import fire_event
from parflow.store.models import Agency, Campaign, Submission

APPROVE = "approve"
PUBLISH = "publish"


@dataclass
class CheckRow:
    submission: Submission
    agency: Agency
    approvable: bool  # `approve` applies from the current state
    unmet: list[Unmet] = field(default_factory=list)  # guards of `approve` still unmet
    publishable: bool = False  # `publish` applies from the current state

    @property
    def ready_to_approve(self) -> bool:
        return self.approvable and not self.unmet


@dataclass
class CheckList:
    campaign: Campaign
    definition: WorkflowDefinition
    rows: list[CheckRow]
    may_approve: bool
    may_publish: bool

    @property
    def ready(self) -> list[CheckRow]:
        return [r for r in self.rows if r.ready_to_approve and r.submission.excluded_reason is None]

    @property
    def blocking_publication(self) -> list[CheckRow]:
        return [r for r in self.rows if r.submission.excluded_reason is None and not r.publishable]

    @property
    def included(self) -> list[CheckRow]:
        return [r for r in self.rows if r.submission.excluded_reason is None]


def _campaign_roles(session: Session, principal: Principal, code: str) -> tuple[Campaign, set[str]]:
    campaign = get_campaign(session, code)
    roles = principal.roles_in(campaign.id or 0)
    if not roles:
        raise NotFound("campaign.not_found", code=code)
    return campaign, roles


def check_list(session: Session, rt: Runtime, principal: Principal, code: str) -> CheckList:
    campaign, roles = _campaign_roles(session, principal, code)
    definition = rt.workflows.definition(campaign.workflow_name)
    may_approve = bool((definition.roles_for(APPROVE) & roles) - AGENCY_ROLES)
    may_publish = bool((definition.roles_for(PUBLISH) & roles) - AGENCY_ROLES)
    if not (may_approve or may_publish):
        raise Forbidden("results.publish_forbidden")
    now = rt.clock.now()
    pairs = session.exec(
        select(Submission, Agency)
        .join(Agency, AGENCY_OF_SUBMISSION)
        .where(Submission.campaign_id == campaign.id)
        .order_by(col(Agency.group), col(Agency.code))
    ).all()
    # within a group, Vietnamese alphabetical order ("Giao thông" before "Giáo dục")
    pairs = sorted(pairs, key=lambda pair: (pair[1].group, vietnamese_key(pair[1].name)))
    checked = [
        s
        for s, _a in pairs
        if definition.transition(s.state, APPROVE) is not None and s.excluded_reason is None
    ]
    facts_of = facts_for_many(session, checked, campaign, now)
    rows = []
    for submission, agency in pairs:
        transition = definition.transition(submission.state, APPROVE)
        row = CheckRow(
            submission,
            agency,
            approvable=transition is not None,
            publishable=definition.transition(submission.state, PUBLISH) is not None,
        )
        if transition is not None and submission.excluded_reason is None:
            facts = facts_of[submission.id or 0]
            for name in transition.guards:
                row.unmet.extend(GUARDS[name](facts))
        rows.append(row)
    return CheckList(campaign, definition, rows, may_approve, may_publish)


def approve_ready(
    session: Session, rt: Runtime, principal: Principal, code: str, comment: str | None = None
) -> list[str]:
    """Approve every included submission whose approval guards all pass; one transaction.
    Returns the codes of the agencies approved."""
    listed = check_list(session, rt, principal, code)
    if not listed.may_approve:
        raise Forbidden("event.role_not_allowed", trigger=listed.definition.trigger_label(APPROVE))
    ready = listed.ready
    if not ready:
        raise Invalid("approval.nothing_ready")
    for row in ready:
        fire_event(session, rt, principal, row.submission.id or 0, APPROVE, comment=comment)
    return [row.agency.code for row in ready]
