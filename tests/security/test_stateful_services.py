"""Random seasons through the service layer (Hypothesis RuleBasedStateMachine, real SQLite).

Each run starts from a copy of the prepared world (`world.py`: submissions in self-assessment,
appraisal, with results sent, and disputed) and applies a random sequence of workflow events fired
by any role, self-scores, appraisals, disputes and resolutions, extensions, clock advances and
scheduler ticks. Refusals (`ParflowError`) are part of the game; anything else fails the test. After
every step these must hold:

- every submission's state is a state of its workflow;
- every recorded transition is one the hand-written table of the process allows
  (`tests/domain/par_index_expected.py`: source → target, by a role that may fire it), so a wrong
  role in the workflow file cannot pass as "refusals are part of the game";
- the audit log agrees with it: the last transition recorded for a submission ends in its current
  state (the initial state when none is), and the campaign's hash chain verifies;
- every self-score and appraised score lies within [0, the leaf's maximum];
- at most one outbox row per notification key.

`PARFLOW_STATEFUL_EXAMPLES` (default 12) runs and `PARFLOW_STATEFUL_STEPS` (default 25) steps each.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlmodel import col, select

from parflow.clock import FixedClock
from parflow.demo_season import principal_for
from parflow.domain.calendar import WorkingCalendar
from parflow.domain.errors import ParflowError
from parflow.services.common import audit
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines import extensions
from parflow.services.deadlines.tick import tick
from parflow.services.lifecycle.submissions import fire_event
from parflow.services.scoring import appraisal, disputes, self_assessment
from parflow.store.db import Database
from parflow.store.models import AuditEntry, Campaign, Criterion, Dispute, Notification, Score, Submission
from tests.domain.par_index_expected import MAY_FIRE, TARGET
from tests.security.world import (
    CAMPAIGN,
    CITY_LEADER,
    COUNCIL_IN,
    COUNCIL_OUT,
    TARGET_AGENCIES,
    VIEWER,
    World,
    copy_world,
)
from tests.support.databases import runtime_settings
from tests.support.people import HOME_AFFAIRS

EXAMPLES = int(os.environ.get("PARFLOW_STATEFUL_EXAMPLES", "12"))
STEPS = int(os.environ.get("PARFLOW_STATEFUL_STEPS", "25"))
TRIGGERS = ("submit", "reopen", "start_appraisal", "send_results", "dispute", "resolve", "approve", "publish")
ROLES = ("editor", "head", "home_affairs", "council_in", "council_out", "city_leader", "viewer")
# "proper" stands for someone entitled to the action: drawn half the time, so that seasons move on
# instead of collecting refusals
ACTORS = st.sampled_from(("proper",) * len(ROLES) + ROLES)
PROPER_FOR_ROLE = {
    "agency_editor": "editor",
    "agency_head": "head",
    "home_affairs": "home_affairs",
    "council": "council_in",
    "city_leader": "city_leader",
}
FIELD_OWNER = {"1": "council_in", "4": "council_in", "3": "council_out"}  # see world.py
LEAVES = ("1.1.1", "1.1.3", "3.3.2", "4.1.1", "1.7.1")  # 1.7.1 is scored by the survey
SCORES = ("-1", "0", "0.25", "0,5", "0.75", "1", "1.005", "2", "7.5", "100", "abc", None)
MILESTONES = ("self_assessment_due", "appraisal_due", "approval_due")
OUTCOMES: Counter[str] = Counter()
TEXTS = ("Giải trình theo Báo cáo số 45/BC-UBND.", "", "  ", "x" * 5000)


def machine_for(world: World) -> type[RuleBasedStateMachine]:
    agencies = list(TARGET_AGENCIES.values())

    class Season(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.dir = Path(tempfile.mkdtemp(prefix="parflow-stateful-"))
            db_file, data_dir = copy_world(world, self.dir)
            self.db = Database(f"sqlite:///{db_file}")
            self.rt = Runtime(
                settings=runtime_settings(data_dir, self.db.url), db=self.db, clock=FixedClock(world.now)
            )
            self.sids = list(world.submissions.values())
            with self.rt.db.read() as session:
                campaign = session.exec(select(Campaign).where(Campaign.code == CAMPAIGN)).one()
                self.definition = self.rt.workflows.definition(campaign.workflow_name)
                self.campaign_id = campaign.id

        def teardown(self) -> None:
            self.db.dispose()
            shutil.rmtree(self.dir, ignore_errors=True)

        def email(self, role: str, sid: int) -> str:
            agency = agencies[self.sids.index(sid)]
            people = world.agency_people[agency]
            return {
                "editor": people["agency_editor"],
                "head": people["agency_head"],
                "home_affairs": HOME_AFFAIRS,
                "council_in": COUNCIL_IN,
                "council_out": COUNCIL_OUT,
                "city_leader": CITY_LEADER,
                "viewer": VIEWER,
            }[role]

        def attempt(self, role: str, sid: int, use_case) -> None:  # type: ignore[no-untyped-def]
            email = self.email(role, sid)
            try:
                self.rt.db.run(lambda s: use_case(s, principal_for(s, email)))
                OUTCOMES["done"] += 1
                OUTCOMES[f"done {sys._getframe(1).f_code.co_name}"] += 1
            except ParflowError as exc:
                # a refusal is part of the game: the invariants check that it left everything consistent
                OUTCOMES[f"refused {exc.code}"] += 1

        # --- rules ---------------------------------------------------------------------------------
        @rule(
            i=st.integers(0, 3),
            trigger=st.sampled_from(("available",) * len(TRIGGERS) + TRIGGERS),
            pick=st.integers(0, 7),
            role=ACTORS,
        )
        def fire(self, i: int, trigger: str, pick: int, role: str) -> None:
            sid = self.sids[i]
            if trigger == "available":  # one of the events the current state offers
                with self.rt.db.read() as session:
                    state = session.get(Submission, sid).state  # type: ignore[union-attr]
                offered = [t.trigger for t in self.definition.from_state(state)] or list(TRIGGERS)
                trigger = offered[pick % len(offered)]
            if role == "proper":
                allowed = next(t.roles for t in self.definition.transitions if t.trigger == trigger)
                role = PROPER_FOR_ROLE.get(sorted(allowed)[i % len(allowed)], "home_affairs")
            self.attempt(role, sid, lambda s, p: fire_event(s, self.rt, p, sid, trigger, comment="Ý kiến."))

        @rule(
            i=st.integers(0, 3),
            leaf=st.sampled_from(LEAVES),
            score=st.sampled_from(SCORES),
            text=st.sampled_from(TEXTS),
            role=ACTORS,
        )
        def self_score(self, i: int, leaf: str, score: str | None, text: str, role: str) -> None:
            sid = self.sids[i]
            role = ("editor", "head")[i % 2] if role == "proper" else role
            entry = self_assessment.SelfScoreIn(leaf, score, text or None)
            self.attempt(
                role, sid, lambda s, p: self_assessment.save_self_scores(s, self.rt, p, sid, [entry])
            )

        @rule(
            i=st.integers(0, 3),
            leaf=st.sampled_from(LEAVES),
            score=st.sampled_from(SCORES),
            role=ACTORS,
        )
        def appraise(self, i: int, leaf: str, score: str | None, role: str) -> None:
            sid = self.sids[i]
            role = FIELD_OWNER.get(leaf.split(".")[0], "council_in") if role == "proper" else role
            entry = appraisal.AppraisalIn(leaf, score, "Nhận xét.")
            self.attempt(role, sid, lambda s, p: appraisal.save_appraisals(s, self.rt, p, sid, [entry]))

        @rule(i=st.integers(0, 3), leaf=st.sampled_from(LEAVES), role=ACTORS)
        def dispute(self, i: int, leaf: str, role: str) -> None:
            sid = self.sids[i]
            role = ("head", "editor")[i % 2] if role == "proper" else role
            item = disputes.DisputeIn(leaf, "Đề nghị xem xét lại điểm thẩm định.", None)
            self.attempt(role, sid, lambda s, p: disputes.file_disputes(s, self.rt, p, sid, [item]))

        @rule(
            pick=st.integers(0, 5),
            outcome=st.sampled_from(("accepted", "rejected")),
            score=st.sampled_from(SCORES),
            role=ACTORS,
        )
        def resolve(self, pick: int, outcome: str, score: str | None, role: str) -> None:
            with self.rt.db.read() as session:
                rows = session.exec(select(Dispute).order_by(col(Dispute.id))).all()
            if not rows:
                return
            row = rows[pick % len(rows)]
            if role == "proper":
                role = FIELD_OWNER.get(row.criterion_code.split(".")[0], "home_affairs")
            self.attempt(
                role,
                row.submission_id,
                lambda s, p: disputes.resolve_dispute(
                    s,
                    self.rt,
                    p,
                    row.id or 0,
                    outcome,
                    "Lý do giải quyết.",
                    score,  # type: ignore[arg-type]
                ),
            )

        @rule(
            i=st.integers(0, 3),
            milestone=st.sampled_from(MILESTONES),
            days=st.integers(-3, 30),
            role=st.sampled_from(("home_affairs", "home_affairs", "editor", "city_leader")),
        )
        def extend(self, i: int, milestone: str, days: int, role: str) -> None:
            sid = self.sids[i]
            today = WorkingCalendar(self.rt.settings.timezone).local_date(self.rt.clock.now())
            self.attempt(
                role,
                sid,
                lambda s, p: extensions.grant_extension(
                    s,
                    self.rt,
                    p,
                    CAMPAIGN,
                    agency_code=agencies[i],
                    milestone=milestone,
                    new_date=today + timedelta(days=days),
                    reason="Gia hạn do sự cố.",
                ),
            )

        @rule(hours=st.sampled_from((1, 20, 24 * 3, 24 * 8, 24 * 30)))
        def advance_clock(self, hours: int) -> None:
            self.rt.clock.advance(timedelta(hours=hours))  # type: ignore[attr-defined]

        @rule()
        def scheduler_tick(self) -> None:
            tick(self.rt)

        # --- invariants ----------------------------------------------------------------------------
        @invariant()
        def states_belong_to_the_workflow(self) -> None:
            with self.rt.db.read() as session:
                for sub in session.exec(select(Submission)):
                    assert sub.state in self.definition.states, (sub.id, sub.state)

        @invariant()
        def transitions_are_the_processs(self) -> None:
            with self.rt.db.read() as session:
                entry = AuditEntry
                moves = session.exec(
                    select(entry.trigger, entry.from_state, entry.to_state, entry.actor_role).where(
                        col(entry.submission_id).in_(self.sids), col(entry.trigger).is_not(None)
                    )
                ).all()
            for trigger, source, dest, role in moves:
                assert TARGET.get((source, trigger)) == dest, (trigger, source, dest)
                assert role in MAY_FIRE[trigger], (trigger, role)

        @invariant()
        def audit_agrees_with_the_states(self) -> None:
            with self.rt.db.read() as session:
                for sid in self.sids:
                    sub = session.get(Submission, sid)
                    assert sub is not None
                    last = session.exec(
                        select(AuditEntry.to_state)
                        .where(AuditEntry.submission_id == sid, col(AuditEntry.to_state).is_not(None))
                        .order_by(col(AuditEntry.seq).desc())
                        .limit(1)
                    ).first()
                    assert (last or self.definition.initial) == sub.state, (sid, last, sub.state)
                campaign = session.get(Campaign, self.campaign_id)
                report = audit.verify(session, campaign)  # type: ignore[arg-type]
                assert report.ok, report

        @invariant()
        def scores_within_bounds(self) -> None:
            with self.rt.db.read() as session:
                rows = session.exec(
                    select(Score.criterion_code, Score.self_score, Score.appraised_score, Criterion.max_score)
                    .join(Submission, col(Submission.id) == col(Score.submission_id))
                    .join(
                        Criterion,
                        (col(Criterion.set_id) == col(Submission.criteria_set_id))
                        & (col(Criterion.code) == col(Score.criterion_code)),
                    )
                    .where(col(Score.submission_id).in_(self.sids))
                ).all()
            assert rows
            for code, own, appraised, maximum in rows:
                for value in (own, appraised):
                    assert value is None or 0 <= value <= maximum, (code, value, maximum)

        @invariant()
        def one_message_per_key(self) -> None:
            with self.rt.db.engine.connect() as conn:
                dupes = conn.execute(
                    sa.select(Notification.key).group_by(Notification.key).having(sa.func.count() > 1)  # type: ignore[arg-type]
                ).all()
            assert not dupes

    return Season


def test_random_seasons_keep_the_invariants(world: World) -> None:
    OUTCOMES.clear()
    run_state_machine_as_test(
        machine_for(world),
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
    # not a vacuous run: some actions went through, not only refusals
    assert OUTCOMES["done"] > 0, OUTCOMES
    print(f"stateful outcomes: {dict(OUTCOMES.most_common())}")
