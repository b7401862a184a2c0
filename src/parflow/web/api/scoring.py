"""Every scoring route in one router, so that the app includes them with one line."""

from __future__ import annotations

from fastapi import APIRouter

from parflow.web.api import demo, disputes, evidence, results, scores

router = APIRouter()
router.include_router(scores.router)
router.include_router(evidence.router)
router.include_router(disputes.router)
router.include_router(results.router)
router.include_router(demo.router)
