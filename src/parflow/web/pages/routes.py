"""Every page router of the web application, so that the app includes them with one line."""

from __future__ import annotations

from fastapi import APIRouter

from parflow.web.pages import (
    appraisal,
    board,
    campaign,
    council,
    disputes,
    evidence,
    notifications,
    paper,
    publication,
    results,
    self_assessment,
    submission,
    workflow,
)

router = APIRouter(include_in_schema=False)
for module in (
    board,
    submission,
    self_assessment,
    evidence,
    appraisal,
    paper,
    disputes,
    council,
    publication,
    notifications,
    results,
    workflow,
    campaign,
):
    router.include_router(module.router)
