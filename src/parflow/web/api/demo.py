"""The demo's clock (only under `parflow demo`): see it, and move it forward to live a season.

A season lasts months; the demo lives inside it on its own clock. Moving the clock forward lets a
visitor (or `examples/drive_season.py`) reach the end of a dispute window or a deadline without
waiting. It never moves back, so the audit trail stays in time order.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter

from parflow.domain.calendar import WorkingCalendar
from parflow.domain.errors import Conflict, Forbidden, Invalid, NotFound
from parflow.domain.roles import Role
from parflow.i18n import format_instant
from parflow.web.api.schemas import ErrorOut
from parflow.web.api.scoring_schemas import DemoClockIn, DemoClockOut
from parflow.web.deps import CurrentPrincipal, RuntimeDep

router = APIRouter(prefix="/api/v1/demo", tags=["demo"])
ERRORS = {code: {"model": ErrorOut} for code in (401, 403, 404, 409, 422)}


def _clock(rt):  # type: ignore[no-untyped-def]
    clock = rt.clock
    if not rt.settings.demo_mode or not hasattr(clock, "set"):
        raise NotFound("demo.not_available")
    return clock


def _out(rt) -> DemoClockOut:  # type: ignore[no-untyped-def]
    now = rt.clock.now()
    return DemoClockOut(now=now, local=format_instant(now, rt.settings.timezone))


@router.get("/clock", response_model=DemoClockOut, responses=ERRORS)
def read_clock(rt: RuntimeDep, principal: CurrentPrincipal) -> DemoClockOut:
    _clock(rt)
    return _out(rt)


@router.post("/clock", response_model=DemoClockOut, responses=ERRORS)
def move_clock(body: DemoClockIn, rt: RuntimeDep, principal: CurrentPrincipal) -> DemoClockOut:
    """Move the demo clock forward: to an instant, or by working days (Home Affairs)."""
    clock = _clock(rt)
    if not any(a.role == Role.home_affairs for a in principal.assignments):
        raise Forbidden("auth.forbidden")
    if (body.to is None) == (body.working_days is None):
        raise Invalid("demo.clock_input")
    now = clock.now()
    if body.to is not None:
        if body.to.tzinfo is None:
            raise Invalid("demo.clock_input")
        target = body.to
    else:
        calendar = WorkingCalendar(rt.settings.timezone)
        local = now.astimezone(calendar.zone)
        day = calendar.add_working_days(local.date(), body.working_days or 0)
        target = now + timedelta(days=(day - local.date()).days)
    if target < now:
        raise Conflict("demo.clock_backwards", now=now)
    clock.set(target)
    return _out(rt)
