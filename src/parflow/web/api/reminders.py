"""Remind now over HTTP: Home Affairs reminds chosen agencies, or those a board filter selects."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Body, Path
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlmodel import Session

from parflow.services.monitoring.board import BoardFilters
from parflow.services.monitoring.remind import MESSAGE_MAX, remind_now
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
Code = Path(max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")


class BoardFilterIn(BaseModel):
    """The board's filters, as on the page (`/campaigns/{code}/board?...`)."""

    model_config = ConfigDict(extra="forbid")
    group: str | None = Field(default=None, max_length=32)
    state: str | None = Field(default=None, max_length=32)
    q: str = Field(default="", max_length=100, description="agency name or code; accents optional")
    overdue: bool = False
    at_risk: bool = False


class RemindIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agencies: list[str] | None = Field(
        default=None, min_length=1, max_length=5000, description="agency codes; or give `filter`"
    )
    filter: BoardFilterIn | None = Field(default=None, description="every agency the board shows with it")
    message: Text | None = Field(default=None, max_length=MESSAGE_MAX)

    @model_validator(mode="after")
    def one_selection(self) -> RemindIn:
        if (self.agencies is None) == (self.filter is None):
            raise ValueError("give either `agencies` (codes) or `filter`, not both")
        return self


class RemindedOut(BaseModel):
    agency: str
    recipients: list[str]


class RemindOut(BaseModel):
    day: str = Field(description="the local day (yyyy-mm-dd) the once-a-day rule counts")
    reminded: list[RemindedOut]
    already_today: list[str] = Field(description="agency names skipped: reminded earlier today")
    no_recipients: list[str] = Field(description="agency names skipped: nobody to receive it")
    status: Literal["queued"] = "queued"


@router.post(
    "/api/v1/campaigns/{code}/reminders", status_code=201, response_model=RemindOut, responses=ERRORS
)
def remind(
    rt: RuntimeDep, principal: CurrentPrincipal, body: RemindIn = Body(), code: str = Code
) -> RemindOut:
    """Queue a reminder now (Home Affairs only) to each agency's focal officers and head, with an
    optional message. At most one per agency per day: agencies already reminded today are listed
    and skipped; when every one of them was, nothing is queued and the answer is 409."""

    def use_case(session: Session) -> RemindOut:
        f = body.filter
        filters = None
        if f is not None:
            filters = BoardFilters(group=f.group, state=f.state, q=f.q, overdue=f.overdue, at_risk=f.at_risk)
        outcome = remind_now(
            session, rt, principal, code, agencies=body.agencies, filters=filters, message=body.message
        )
        return RemindOut(
            day=outcome.day,
            reminded=[RemindedOut(agency=r.agency_code, recipients=r.recipients) for r in outcome.reminded],
            already_today=outcome.already_today,
            no_recipients=outcome.no_recipients,
        )

    return run_write(rt, use_case)
