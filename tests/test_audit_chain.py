"""The audit trail is tamper-evident: an edit, a deletion or a reordering behind the application's
back is found by `parflow audit verify`, which names the first broken link."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from parflow.services.common import audit
from parflow.services.common.lookups import get_campaign
from parflow.services.common.runtime import Runtime
from parflow.services.lifecycle import submissions
from tests.support.cli import parflow
from tests.support.lifecycle import principal, submission_id

# the chain is hashed from rows as the database gives them back, and appended under a lock
pytestmark = pytest.mark.both_backends


def some_history(rt: Runtime) -> None:
    editor = principal(rt, "editor.a@mini.example")
    ha = principal(rt, "ha@mini.example")
    sid = submission_id(rt, "dept-a")
    for actor, trigger, comment in [
        (editor, "submit", None),
        (ha, "reopen", "thiếu"),
        (editor, "submit", "đã bổ sung"),
    ]:
        rt.db.run(
            lambda s, a=actor, t=trigger, c=comment: submissions.fire_event(s, rt, a, sid, t, comment=c)
        )


def verify(rt: Runtime, code: str) -> audit.ChainReport:
    with rt.db.read() as session:
        return audit.verify(session, get_campaign(session, code))


def tamper(rt: Runtime, sql: str) -> None:
    with rt.db.engine.begin() as conn:
        conn.execute(sa.text(sql))


def test_intact_chain(rt: Runtime, mini: str) -> None:
    some_history(rt)
    report = verify(rt, mini)
    assert report.ok and report.checked == 4


def test_edited_comment_is_found(rt: Runtime, mini: str) -> None:
    some_history(rt)
    tamper(rt, "UPDATE audit_entry SET comment = 'không thiếu gì' WHERE seq = 3")
    report = verify(rt, mini)
    assert (report.broken_seq, report.reason) == (3, "its content was changed after it was written")
    assert report.checked == 2


def test_changed_state_is_found(rt: Runtime, mini: str) -> None:
    some_history(rt)
    tamper(rt, "UPDATE audit_entry SET to_state = 'approved' WHERE seq = 2")
    assert verify(rt, mini).broken_seq == 2


def test_deleted_row_is_found(rt: Runtime, mini: str) -> None:
    some_history(rt)
    tamper(rt, "DELETE FROM audit_entry WHERE seq = 2")
    report = verify(rt, mini)
    assert report.broken_seq == 2 and "missing" in (report.reason or "")


def test_deleted_last_row_is_found(rt: Runtime, mini: str) -> None:
    some_history(rt)
    tamper(rt, "DELETE FROM audit_entry WHERE seq = 4")
    report = verify(rt, mini)
    assert report.broken_seq == 4 and "removed" in (report.reason or "")


def test_rehashed_row_still_breaks_the_next_link(rt: Runtime, mini: str) -> None:
    some_history(rt)
    with rt.db.read() as session:
        from sqlmodel import select

        from parflow.store.models import AuditEntry

        entry = session.exec(select(AuditEntry).where(AuditEntry.seq == 2)).one()
        entry.comment = "sửa và tính lại hash"
        forged = audit.entry_hash(entry, mini)
    tamper(rt, f"UPDATE audit_entry SET comment = 'sửa và tính lại hash', hash = '{forged}' WHERE seq = 2")
    report = verify(rt, mini)
    assert report.broken_seq == 3 and "does not link" in (report.reason or "")


def test_cli_reports_the_first_broken_link(rt: Runtime, mini: str) -> None:
    some_history(rt)
    ok = parflow(rt, "audit", "verify", mini)
    assert ok.exit_code == 0 and "4 entries intact" in ok.stdout
    tamper(rt, "UPDATE audit_entry SET actor_role = 'home_affairs' WHERE seq = 2")
    broken = parflow(rt, "audit", "verify", mini)
    assert broken.exit_code == 1
    assert "broken at entry 2" in broken.stderr


# --- published results snapshots name an entry of the chain ---------------------------------------


def published(rt: Runtime, code: str) -> None:
    """Some history, every submission approved (set up behind the workflow), then a real publication."""
    from sqlmodel import select

    from parflow.services.results import service as results
    from parflow.store.models import Agency
    from tests.support.lifecycle import force_state

    some_history(rt)
    with rt.db.read() as session:
        agencies = session.exec(select(Agency.code)).all()
    for agency in agencies:
        force_state(rt, submission_id(rt, agency), "approved")
    rt.db.run(lambda s: results.publish(s, rt, principal(rt, "ha@mini.example"), code))


def test_snapshot_anchored_in_the_chain(rt: Runtime, mini: str) -> None:
    published(rt, mini)
    report = verify(rt, mini)
    assert report.ok and report.snapshots_checked == 1 and not report.snapshot_problems


def test_snapshot_naming_a_foreign_head_is_found(rt: Runtime, mini: str) -> None:
    published(rt, mini)
    tamper(rt, f"UPDATE result_snapshot SET audit_head_hash = '{'ab' * 32}'")
    report = verify(rt, mini)
    assert report.broken_seq is None and not report.ok
    (problem,) = report.snapshot_problems
    assert "results snapshot published at" in problem and "not an entry of the audit chain" in problem


def test_snapshot_moved_to_another_entry_is_found(rt: Runtime, mini: str) -> None:
    """The columns point at a real, earlier entry, but the frozen table still shows the true head."""
    published(rt, mini)
    with rt.db.read() as session:
        from sqlmodel import select

        from parflow.store.models import AuditEntry

        first = session.exec(select(AuditEntry).where(AuditEntry.seq == 1)).one()
    tamper(rt, f"UPDATE result_snapshot SET audit_head_seq = 1, audit_head_hash = '{first.hash}'")
    (problem,) = verify(rt, mini).snapshot_problems
    assert "shows audit entry" in problem and "but records entry 1" in problem


def test_cli_reports_an_unanchored_snapshot(rt: Runtime, mini: str) -> None:
    published(rt, mini)
    ok = parflow(rt, "audit", "verify", mini)
    assert ok.exit_code == 0 and "1 published results snapshot(s) anchored in it" in ok.stdout
    tamper(rt, f"UPDATE result_snapshot SET audit_head_hash = '{'cd' * 32}'")
    broken = parflow(rt, "audit", "verify", mini)
    assert broken.exit_code == 1 and broken.stderr.count("\n") == 1
    assert "not an entry of the audit chain" in broken.stderr
