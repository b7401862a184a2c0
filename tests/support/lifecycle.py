"""Helpers for tests that drive submissions of the mini campaign through the service layer."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, func, select

from parflow.services.common.access import Principal, load_principal
from parflow.services.common.runtime import Runtime
from parflow.store.models import Agency, AuditEntry, Dispute, Notification, Person, Score, Submission


def principal(rt: Runtime, email: str) -> Principal:
    with rt.db.read() as session:
        person = session.exec(select(Person).where(Person.email == email)).one()
        found = load_principal(session, person.id or 0)
    assert found is not None
    return found


def submission_id(rt: Runtime, agency_code: str) -> int:
    with rt.db.read() as session:
        agency = session.exec(select(Agency).where(Agency.code == agency_code)).one()
        sub = session.exec(select(Submission).where(Submission.agency_id == agency.id)).one()
        return sub.id or 0


def force_state(
    rt: Runtime,
    sid: int,
    state: str,
    *,
    results_sent: bool = True,
    open_dispute: bool = False,
    window_open: bool = False,
) -> None:
    """Put a submission into `state` behind the workflow's back (test set-up only).

    Results count as sent an hour ago when the dispute window should still be open, else a month
    ago (the window closed: approval may go ahead).
    """

    def change(session) -> None:  # type: ignore[no-untyped-def]
        sub = session.get(Submission, sid)
        sub.state = state
        ago = timedelta(hours=1) if window_open else timedelta(days=30)
        sub.results_sent_at = rt.clock.now() - ago if results_sent else None
        session.add(sub)
        for d in session.exec(select(Dispute).where(Dispute.submission_id == sid)):
            session.delete(d)
        if open_dispute:
            session.add(
                Dispute(submission_id=sid, criterion_code="1.1", argument="x", filed_at=rt.clock.now())
            )

    rt.db.run(change)


def audit_count(rt: Runtime, sid: int) -> int:
    with rt.db.read() as session:
        return session.exec(
            select(func.count()).select_from(AuditEntry).where(col(AuditEntry.submission_id) == sid)
        ).one()


def state_and_version(rt: Runtime, sid: int) -> tuple[str, int]:
    with rt.db.read() as session:
        sub = session.get(Submission, sid)
        assert sub is not None
        return sub.state, sub.version


def stored(rt: Runtime, sid: int) -> tuple[object, ...]:
    """Everything a write to the submission could leave behind: state and version, its audit
    entries, its scores and its queued messages."""
    with rt.db.read() as session:
        scores = session.exec(
            select(Score.criterion_code, Score.self_score, Score.explanation, Score.appraised_score)
            .where(Score.submission_id == sid)
            .order_by(col(Score.criterion_code))
        ).all()
        messages = session.exec(select(Notification.key).order_by(col(Notification.key))).all()
    return state_and_version(rt, sid), audit_count(rt, sid), list(scores), list(messages)
