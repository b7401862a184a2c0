"""What an event writes outside the ORM's unit of work (issue 17's short cuts), checked against
the database on SQLite and PostgreSQL: the submission's move, the audit entry handed back, the
outbox's count of new messages, the audit data's JSON form and the event counter."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pytest
from sqlmodel import Session, select

from parflow.observability import metrics
from parflow.services.common import audit, outbox
from parflow.services.common.runtime import Runtime
from parflow.services.lifecycle import submissions
from parflow.store.models import AuditEntry, Notification, Submission
from tests.support.lifecycle import force_state, principal, submission_id
from tests.support.people import MINI_PEOPLE


@pytest.mark.both_backends
def test_event_row_is_clean_after_its_update_and_the_entry_is_the_stored_one(rt: Runtime, mini: str) -> None:
    sid = submission_id(rt, "dept-a")
    force_state(rt, sid, "self_scored")
    actor = principal(rt, MINI_PEOPLE["home_affairs"])
    seen: dict[str, Any] = {}

    def reopen(session: Session) -> tuple[submissions.Located, AuditEntry]:
        found, entry = submissions.fire_event(session, rt, actor, sid, "reopen", comment="bổ sung")
        # the move went out in its own UPDATE: nothing is left for the commit's flush to write
        seen["pending"] = (list(session.dirty), list(session.new))
        return found, entry

    found, entry = rt.db.run(reopen)
    assert seen["pending"] == ([], [])
    with rt.db.read() as session:
        row = session.get(Submission, sid)
        stored = session.get(AuditEntry, entry.id)
        assert row is not None and stored is not None
        for name in ("state", "version", "state_changed_at", "submitted_at", "next_due_at"):
            assert getattr(row, name) == getattr(found.submission, name), name
        assert row.state == "draft"
        assert stored.model_dump() == entry.model_dump()
        assert entry.hash == audit.entry_hash(stored, found.campaign.code)


@pytest.mark.both_backends
def test_a_change_beside_the_move_still_goes_out(rt: Runtime, mini: str) -> None:
    sid = submission_id(rt, "dept-a")

    def move_and_note(session: Session) -> None:
        row = session.get(Submission, sid)
        assert row is not None
        row.state = "self_scored"
        row.version += 1
        row.excluded_reason = "kiểm thử"  # not among the columns an event writes
        submissions._write_move(session, row)
        assert row in session.dirty  # left for the flush

    before = _row(rt, sid)
    rt.db.run(move_and_note)
    after = _row(rt, sid)
    assert (after.state, after.version, after.excluded_reason) == (
        "self_scored",
        before.version + 1,
        "kiểm thử",
    )


def _row(rt: Runtime, sid: int) -> Submission:
    with rt.db.read() as session:
        row = session.get(Submission, sid)
        assert row is not None
        return row


@pytest.mark.both_backends
def test_enqueue_all_counts_only_new_keys(rt: Runtime, mini: str) -> None:
    now = rt.clock.now()
    someone = outbox.Recipient(0, "a@mini.example", "Nguyễn Văn A", "vi")

    def rows(*keys: str) -> list[dict[str, Any]]:
        return [
            outbox.message(key=k, kind="daily_digest", person=someone, now=now, context={"k": k})
            | {"person_id": None}
            for k in keys
        ]

    assert rt.db.run(lambda s: outbox.enqueue_all(s, rows("t:a", "t:b"))) == 2
    assert rt.db.run(lambda s: outbox.enqueue_all(s, rows("t:a", "t:c", "t:b", "t:d"))) == 2
    assert rt.db.run(lambda s: outbox.enqueue_all(s, rows("t:a"))) == 0
    assert rt.db.run(lambda s: outbox.enqueue_all(s, rows("t:e"))) == 1
    assert rt.db.run(lambda s: outbox.enqueue_all(s, [])) == 0
    with rt.db.read() as session:
        keys = session.exec(select(Notification.key).where(Notification.key.startswith("t:"))).all()  # type: ignore[attr-defined]
    assert sorted(keys) == ["t:a", "t:b", "t:c", "t:d", "t:e"]


class _Colour(StrEnum):
    red = "red"


@pytest.mark.parametrize(
    "data",
    [
        {"version": 3, "milestone": "self_assessment", "late": None, "ok": True, "agency": "Sở Tư pháp"},
        {"codes": ["1.1", "1.2"], "nested": {"n": [1, {"x": "y"}]}},
        {"score": Decimal("1.50"), "day": date(2026, 12, 3), "at": datetime(2026, 12, 3, 8, 0)},
        {"role": _Colour.red, "pair": (1, 2), "ratio": 0.1, 3: "number key"},
    ],
)
def test_audit_data_is_what_json_gives_back(data: dict[Any, Any]) -> None:
    """The short cut for data that is JSON already gives the same form as the round trip."""
    expected = json.loads(json.dumps(data, default=audit._default, ensure_ascii=False))
    assert audit._plain(data) == expected
    assert json.dumps(audit._plain(data), sort_keys=True) == json.dumps(expected, sort_keys=True)


def test_event_counter_counts_commits_only(rt: Runtime, mini: str) -> None:
    counter = metrics.EVENTS_FIRED.labels("test-trigger")
    start = counter._value.get()

    def fire_then_fail(session: Session) -> None:
        metrics.count_event_on_commit(session, "test-trigger")
        raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        rt.db.run(fire_then_fail)
    assert counter._value.get() == start
    rt.db.run(lambda s: metrics.count_event_on_commit(s, "test-trigger"))
    rt.db.run(lambda s: None)  # a later transaction of its own counts nothing
    assert counter._value.get() == start + 1
