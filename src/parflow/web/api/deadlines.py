"""Deadlines over HTTP: extensions, moving milestones, and calendar feeds."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Body, Path, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from parflow.services.deadlines import calendar_feed, extensions, milestones
from parflow.web.api.schemas import ErrorOut, Text
from parflow.web.deps import CurrentPrincipal, RuntimeDep, run_write

router = APIRouter(tags=["deadlines"])
ERRORS = {
    401: {"model": ErrorOut},
    403: {"model": ErrorOut},
    404: {"model": ErrorOut},
    409: {"model": ErrorOut},
    422: {"model": ErrorOut},
}
ICS = "text/calendar; charset=utf-8"
Code = Path(max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")


class ExtensionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agency: str = Field(min_length=1, max_length=64, description="agency code")
    milestone: str = Field(min_length=1, max_length=64, description="milestone key")
    new_date: date = Field(description="the agency's new due date (yyyy-mm-dd), later than its current one")
    reason: Text = Field(max_length=4000)


class ExtensionOut(BaseModel):
    id: int
    agency: str
    milestone: str
    old_date: date
    new_date: date
    reason: str


class MilestoneMoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    due_date: date
    reason: Text = Field(max_length=4000)


class MoveOut(BaseModel):
    milestone: str
    old_date: date
    new_date: date


@router.post(
    "/api/v1/campaigns/{code}/extensions", status_code=201, response_model=ExtensionOut, responses=ERRORS
)
def grant_extension(
    rt: RuntimeDep, principal: CurrentPrincipal, body: ExtensionIn = Body(), code: str = Code
) -> ExtensionOut:
    """Grant one agency a later date for one milestone (Home Affairs only)."""

    def use_case(session: Session) -> ExtensionOut:
        grant, old = extensions.grant_extension(
            session,
            rt,
            principal,
            code,
            agency_code=body.agency,
            milestone=body.milestone,
            new_date=body.new_date,
            reason=body.reason,
        )
        return ExtensionOut(
            id=grant.id or 0,
            agency=body.agency,
            milestone=grant.milestone_key,
            old_date=old,
            new_date=grant.new_date,
            reason=grant.reason,
        )

    return run_write(rt, use_case)


@router.put("/api/v1/campaigns/{code}/milestones/{key}", response_model=list[MoveOut], responses=ERRORS)
def move_milestone(
    rt: RuntimeDep,
    principal: CurrentPrincipal,
    body: MilestoneMoveIn = Body(),
    code: str = Code,
    key: str = Path(max_length=64, pattern=r"^[a-z][a-z0-9_]*$"),
) -> list[MoveOut]:
    """Move a milestone (Home Affairs only); milestones planned from it move with it."""

    def use_case(session: Session) -> list[MoveOut]:
        moves = milestones.move_milestone(session, rt, principal, code, key, body.due_date, body.reason)
        return [MoveOut(milestone=m.key, old_date=m.old_date, new_date=m.new_date) for m in moves]

    return run_write(rt, use_case)


@router.get(
    "/api/v1/campaigns/{code}/calendar.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}, **ERRORS},
)
def campaign_calendar(rt: RuntimeDep, principal: CurrentPrincipal, code: str = Code) -> Response:
    """The campaign's deadlines (iCalendar) for a signed-in participant."""
    with rt.db.read() as session:
        body = calendar_feed.campaign_feed(session, rt, principal, code)
    return Response(body, media_type=ICS, headers={"Content-Disposition": f'inline; filename="{code}.ics"'})


@router.get(
    "/api/v1/calendar/{token}.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}, 404: {"model": ErrorOut}},
)
def agency_calendar(rt: RuntimeDep, token: str) -> Response:
    """One agency's deadlines, extensions included, behind its unguessable link (no password)."""
    with rt.db.read() as session:
        body = calendar_feed.agency_feed(session, rt, token)
    return Response(body, media_type=ICS, headers={"Cache-Control": "private, max-age=300"})
