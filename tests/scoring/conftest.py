"""Fixtures of the scoring tests: the example campaign with one agency's submission at hand."""

from __future__ import annotations

import pytest

from parflow.services.common.runtime import Runtime
from tests.support.lifecycle import submission_id


@pytest.fixture
def sid(rt: Runtime, campaign: str) -> int:
    """The submission of Sở Giao thông vận tải (departments' criteria set)."""
    return submission_id(rt, "sgtvt")
