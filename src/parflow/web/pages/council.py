"""A council member's page: my fields, what is left to appraise, my open disputes, my deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from sqlmodel import Session, col, select

from parflow.domain.errors import Forbidden, NotFound
from parflow.domain.roles import Role
from parflow.domain.workflow import Label
from parflow.i18n.collation import vietnamese_key
from parflow.services.common.access import Principal, council_visible_states
from parflow.services.common.calendars import campaign_calendar, milestone_dates
from parflow.services.common.lookups import get_campaign
from parflow.services.common.runtime import Runtime
from parflow.services.scoring.disputes import list_disputes
from parflow.services.scoring.score_sheet import score_values_of
from parflow.store.models import Agency, CriteriaSet, Criterion, Submission
from parflow.web.deps import RuntimeDep
from parflow.web.pages.deps import SignedIn
from parflow.web.templating import render

router = APIRouter(include_in_schema=False)
Code = Path(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)


@dataclass(frozen=True)
class Work:
    submission: Submission
    agency: Agency
    leaves: int
    pending: int
    in_appraisal: bool


@dataclass(frozen=True)
class MyDeadline:
    key: str
    label: Label
    due: date
    working_days_left: int
    open_work: int


def council_page_data(session: Session, rt: Runtime, user: Principal, code: str) -> dict[str, object]:
    campaign = get_campaign(session, code)
    roles = user.roles_in(campaign.id or 0)
    if not roles:
        raise NotFound("campaign.not_found", code=code)
    if Role.council not in roles:
        raise Forbidden("appraisal.council_only")
    definition = rt.workflows.definition(campaign.workflow_name)
    fields = user.council_fields(campaign.id or 0)
    pairs = session.exec(
        select(Submission, Agency)
        .join(Agency, col(Agency.id) == col(Submission.agency_id))
        .where(
            Submission.campaign_id == campaign.id,
            col(Submission.state).in_(council_visible_states(definition)),
            col(Submission.excluded_reason).is_(None),
        )
        .order_by(col(Agency.group), col(Agency.code))
    ).all()
    pairs = sorted(pairs, key=lambda pair: (pair[1].group, vietnamese_key(pair[1].name)))
    set_ids = [s.id for s in session.exec(select(CriteriaSet).where(CriteriaSet.campaign_id == campaign.id))]
    mine: dict[int, list[Criterion]] = {}
    field_titles: dict[str, Criterion] = {}
    for c in session.exec(select(Criterion).where(col(Criterion.set_id).in_(set_ids))):
        if c.field_code not in fields:
            continue
        if c.level == 1:
            field_titles.setdefault(c.code, c)
        if c.is_leaf and c.scored_by == "agency":
            mine.setdefault(c.set_id, []).append(c)
    scores = score_values_of(session, [s.id for s, _ in pairs if s.id is not None])
    work = []
    for submission, agency in pairs:
        leaves = mine.get(submission.criteria_set_id or 0, [])
        done = sum(
            1
            for leaf in leaves
            if (s := scores.get(submission.id or 0, {}).get(leaf.code)) and s.appraised_score is not None
        )
        work.append(
            Work(
                submission,
                agency,
                len(leaves),
                len(leaves) - done,
                definition.in_phase(submission.state, "appraisal"),
            )
        )
    disputes = [
        (d, a) for d, _s, a in list_disputes(session, rt, user, code, "open") if d.owner_id == user.person_id
    ]
    calendar = campaign_calendar(session, campaign)
    today = calendar.local_date(rt.clock.now())
    dates = milestone_dates(session, campaign)
    pending_leaves = sum(w.pending for w in work if w.in_appraisal)
    deadlines = []
    for key, spec in definition.milestones.items():
        rules = [r for r in spec.reminders if Role.council in r.to]
        if not rules or key not in dates:
            continue
        about_disputes = all(r.pending == "dispute_owner" for r in rules)
        deadlines.append(
            MyDeadline(
                key,
                spec.label,
                dates[key],
                calendar.working_days_between(today, dates[key]),
                len(disputes) if about_disputes else pending_leaves,
            )
        )
    return {
        "campaign": campaign,
        "definition": definition,
        "fields": [
            field_titles[f]
            for f in sorted(field_titles, key=lambda x: [int(p) if p.isdigit() else p for p in x.split(".")])
        ],
        "work": work,
        "pending_leaves": pending_leaves,
        "disputes": disputes,
        "deadlines": deadlines,
        "today": today,
    }


@router.get("/campaigns/{code}/council")
def council_page(request: Request, rt: RuntimeDep, user: SignedIn, code: str = Code) -> Response:
    with rt.db.read() as session:
        context = council_page_data(session, rt, user, code)
    return render(request, "pages/council.html", context)
