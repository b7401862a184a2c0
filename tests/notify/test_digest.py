"""The daily digest for Home Affairs: once per person per local working day, from 07:00."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from parflow.notify.render import render
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines.digest import enqueue_due_digests
from parflow.store.models import Campaign
from tests.support.mail import rows


def at(rt: Runtime, iso_local: str) -> datetime:
    """Set the clock to a Hải Phòng wall-clock time and return it."""
    instant = datetime.fromisoformat(iso_local + "+07:00").astimezone(UTC)
    rt.clock.set(instant)  # type: ignore[attr-defined]
    return instant


def digests(rt: Runtime, iso_local: str) -> int:
    now = at(rt, iso_local)
    return rt.db.run(lambda s: enqueue_due_digests(s, rt, now))


@pytest.mark.both_backends
def test_one_digest_per_officer_per_working_day(rt: Runtime, campaign: str) -> None:
    assert digests(rt, "2022-01-10T06:59") == 0  # Monday, before 07:00
    assert digests(rt, "2022-01-10T07:00") == 3  # both Home Affairs officers and the city leader
    assert digests(rt, "2022-01-10T16:30") == 0  # already queued today
    found = rows(rt, "daily_digest")
    assert sorted(r.key.rsplit(":", 1)[1] for r in found) == ["2022-01-10"] * 3
    assert {r.recipient_email: r.context["audience"] for r in found} == {
        "cchc.nhung@snv.haiphong.example": "home_affairs",
        "cchc.bao@snv.haiphong.example": "home_affairs",
        "pho-chu-tich.vinh@haiphong.example": "city_leader",
    }
    assert digests(rt, "2022-01-15T09:00") == 0  # Saturday
    assert digests(rt, "2022-01-17T07:30") == 3  # next working day


def test_digest_summarises_states_overdue_and_due_soon(rt: Runtime, campaign: str) -> None:
    digests(rt, "2022-01-10T08:00")
    monday = rows(rt, "daily_digest")[0].context
    assert monday["total"] == 35 and monday["states"] == [
        {"key": "draft", "vi": "Đang tự đánh giá", "en": "Self-assessment in progress", "count": 35}
    ]
    assert len(monday["due_soon"]) == 35 and monday["overdue"] == []  # due Friday 14/01
    assert monday["due_soon"][0]["due_date"] == "2022-01-14"
    assert monday["due_soon"][0]["milestone"]["key"] == "self_assessment_due"

    digests(rt, "2022-01-17T08:00")  # the Monday after: everyone missed Friday's deadline
    monday_after = next(r for r in rows(rt, "daily_digest") if r.key.endswith("2022-01-17")).context
    assert monday_after["since"] == "2022-01-14"
    assert len(monday_after["overdue"]) == 35 and len(monday_after["became_overdue"]) == 35
    assert monday_after["overdue"][0]["working_days"] == 1

    digests(rt, "2022-01-18T08:00")
    tuesday = next(r for r in rows(rt, "daily_digest") if r.key.endswith("2022-01-18")).context
    assert len(tuesday["overdue"]) == 35 and tuesday["became_overdue"] == []  # not new any more
    for lang in ("vi", "en"):
        out = render(
            rt.settings.notifications_dir,
            "daily_digest",
            lang,
            tuesday,
            recipient_name="A",
            base_url="http://x",
        )
        assert ("35 hồ sơ quá hạn" if lang == "vi" else "35 overdue") in out.subject


def test_no_digest_for_a_published_campaign(rt: Runtime, campaign: str) -> None:
    def publish(session) -> None:  # type: ignore[no-untyped-def]
        found = session.exec(select(Campaign)).one()
        found.published_at = rt.clock.now()
        session.add(found)

    rt.db.run(publish)
    assert digests(rt, "2022-01-10T08:00") == 0
