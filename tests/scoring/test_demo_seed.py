"""The demo's first run shows a campaign in progress on 10/01/2022; later runs leave it alone."""

from __future__ import annotations

from sqlmodel import func, select

from parflow import demo
from parflow.clock import FixedClock
from parflow.services.common import audit
from parflow.services.common.runtime import Runtime
from parflow.services.lifecycle.guard_facts import SubmissionFacts
from parflow.store.models import Agency, AuditEntry, Campaign, Evidence, Submission


def test_first_run_seeds_plausible_progress_through_the_services(rt) -> None:
    example = demo.read_example(rt)
    as_of = example.spec.demo.as_of
    live = Runtime(settings=rt.settings, db=rt.db, clock=FixedClock(as_of))
    demo.prepare(live, example)
    with rt.db.read() as session:
        campaign = session.exec(select(Campaign)).one()
        rows = session.exec(
            select(Submission, Agency).join(Agency, Agency.id == Submission.agency_id)  # type: ignore[arg-type]
        ).all()
        states = {a.code: s.state for s, a in rows}
        gaps = {a.code: SubmissionFacts(session, s, campaign, as_of).self_assessment_gaps() for s, a in rows}
        entries = session.exec(select(AuditEntry).order_by(AuditEntry.seq)).all()
        files = session.exec(
            select(func.count()).select_from(Evidence).where(Evidence.sha256.is_not(None))
        ).one()  # type: ignore[union-attr]
        chain = audit.verify(session, campaign)
    submitted = [c for c, s in states.items() if s == "self_scored"]
    complete = [c for c, s in states.items() if s == "draft" and not gaps[c]]
    partial = [c for c, s in states.items() if s == "draft" and gaps[c]]
    assert len(submitted) == 9 and len(complete) == 6 and len(partial) == 20
    assert "sgtvt" in complete  # the README has a new user send this one
    assert all(0 < len(gaps[c]) < 65 for c in partial if c.startswith("s"))
    assert files == 15  # one scanned PDF per complete or submitted agency
    assert chain.ok
    assert all(e.at < as_of for e in entries[1:])  # seeded in the days before the demo date
    assert entries[-1].action == "demo_seed"

    # running the demo again changes nothing
    demo.prepare(live, example)
    with rt.db.read() as session:
        assert session.exec(select(func.count()).select_from(AuditEntry)).one() == len(entries)
