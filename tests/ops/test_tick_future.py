"""`parflow tick --now` later than the present would queue tomorrow's reminders today (and a running
scheduler would send them): refused, unless `--allow-future` asks for it, with a warning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from parflow.services.common.runtime import Runtime
from parflow.store.models import Notification
from tests.support.cli import parflow


def outbox(rt: Runtime) -> int:
    with rt.db.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(Notification)).scalar_one()


def test_future_instant_is_refused_and_nothing_is_queued(rt: Runtime, campaign: str) -> None:
    # the command runs on the machine's clock (as an operator's would), years after the season
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat(timespec="minutes")
    before = outbox(rt)
    refused = parflow(rt, "tick", "--now", tomorrow)
    assert refused.exit_code == 1
    assert refused.stderr.count("\n") == 1
    assert "is in the future" in refused.stderr and "--allow-future" in refused.stderr
    assert "parflow simulate" in refused.stderr
    assert outbox(rt) == before


def test_allow_future_warns_and_runs(rt: Runtime, campaign: str) -> None:
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat(timespec="minutes")
    allowed = parflow(rt, "tick", "--now", later, "--allow-future", "--no-send")
    assert allowed.exit_code == 0, allowed.stderr
    assert "parflow: warning: --now " in allowed.stderr and "queued now" in allowed.stderr
    assert "and sent now" not in allowed.stderr  # --no-send: nothing leaves
    assert allowed.stdout.startswith("Tick at ")


def test_present_and_past_instants_need_no_flag(rt: Runtime, campaign: str) -> None:
    past = parflow(rt, "tick", "--now", "2022-01-17T08:00", "--no-send")
    assert past.exit_code == 0 and "35 escalations queued" in past.stdout
    now = datetime.now(UTC).isoformat(timespec="seconds")
    present = parflow(rt, "tick", "--now", now, "--no-send")
    assert present.exit_code == 0 and not present.stderr
