"""Home Affairs' board: every agency of a campaign, filtered by group and state (plain GET links)."""

from __future__ import annotations

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from parflow.services.board import campaign_board
from parflow.web.deps import RuntimeDep
from parflow.web.pages.deps import SignedIn
from parflow.web.templating import render

router = APIRouter(include_in_schema=False)
Code = Path(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)


@router.get("/campaigns/{code}/board")
def board(
    request: Request,
    rt: RuntimeDep,
    user: SignedIn,
    code: str = Code,
    group: str | None = Query(default=None, max_length=32),
    state: str | None = Query(default=None, max_length=32),
) -> Response:
    with rt.db.read() as session:
        view = campaign_board(session, rt, user, code, group=group or None, state=state or None)
    return render(request, "pages/board.html", {"board": view, "campaign": view.campaign})
