"""Fixtures of the scoring tests: the example campaign with one agency's submission at hand."""

from __future__ import annotations

import pytest
from pwdlib.hashers.argon2 import Argon2Hasher

from tests.scoring.helpers import HOME_AFFAIRS, submission_id

SGTVT_FOCAL = "dau-moi.sgtvt@haiphong.example"
SGTVT_HEAD = "lanh-dao.sgtvt@haiphong.example"
OTHER_FOCAL = "dau-moi.stp@haiphong.example"
COUNCIL_1_4 = "thamdinh.thanh@haiphong.example"  # fields 1 and 4
COUNCIL_3 = "thamdinh.hau@haiphong.example"  # field 3
COUNCIL_7_8 = "thamdinh.loc@haiphong.example"  # fields 7 and 8

__all__ = [
    "COUNCIL_1_4",
    "COUNCIL_3",
    "COUNCIL_7_8",
    "HOME_AFFAIRS",
    "OTHER_FOCAL",
    "SGTVT_FOCAL",
    "SGTVT_HEAD",
]


@pytest.fixture
def sid(rt, campaign) -> int:
    """The submission of Sở Giao thông vận tải (departments' criteria set)."""
    return submission_id(rt, "sgtvt")


@pytest.fixture(scope="session")
def password_hash() -> str:
    """Light argon2 parameters for this area's ~300 sign-ins (verification reads the parameters
    from the hash, so sign-in is still real argon2id); production hashes use the recommended ones."""
    from tests.conftest import PASSWORD

    return Argon2Hasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
