"""Property-based fuzzing of the JSON API from its own OpenAPI description (schemathesis).

Every operation of `/openapi.json` gets generated requests (valid and invalid ones), sent in-process
to the real app on a copy of the prepared world (real SQLite), signed in as Home Affairs and as an
agency's focal point. Each response must not be a server error, must use a status code the
operation documents, and must match the documented content type and schema.

The number of examples per operation is `PARFLOW_FUZZ_EXAMPLES` (default 5, which keeps this file
around two minutes on two cores); set it higher for a deeper run, e.g. `PARFLOW_FUZZ_EXAMPLES=200`.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from parflow.clock import FixedClock
from parflow.services.common.runtime import Runtime
from parflow.store.db import Database
from parflow.web import tokens
from parflow.web.app import create_app
from tests.security.world import TARGET_AGENCIES, World, copy_world
from tests.support.databases import TEST_SECRET, runtime_settings
from tests.support.people import HOME_AFFAIRS

EXAMPLES = int(os.environ.get("PARFLOW_FUZZ_EXAMPLES", "5"))
# Operations that must have answered 2xx at least once per actor. Measured at the default 5
# examples (derandomized, so the run is the same each time): Home Affairs 12, the focal point 3,
# 47 of 3010 requests 2xx; most generated requests are deliberately invalid (404, 422), so the
# signal is "many operations got through", not a share of all requests.
MIN_OPERATIONS = {"home_affairs": 10, "agency_editor": 3}
MIN_SUCCESSES = 40
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _schema_app():  # type: ignore[no-untyped-def]
    """An app to read the OpenAPI description from at import time (no database is touched); the
    requests themselves go to an app on each test's own copy of the world (`case.call(app=...)`)."""
    settings = runtime_settings(Path(tempfile.gettempdir()) / "parflow-fuzz-schema", "sqlite:///:memory:")
    return create_app(Runtime(settings=settings, db=Database("sqlite:///:memory:")))


schema = schemathesis.openapi.from_asgi("/openapi.json", _schema_app())
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


@pytest.fixture(scope="module")
def fuzz_rt(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """One copy of the world for the whole module: what earlier examples wrote stays, as it would
    on a live server."""
    db_file, data_dir = copy_world(world, tmp_path_factory.mktemp("fuzz"))
    db = Database(f"sqlite:///{db_file}")
    yield Runtime(settings=runtime_settings(data_dir, db.url), db=db, clock=FixedClock(world.now))
    db.dispose()


@pytest.fixture(scope="module")
def live_app(fuzz_rt: Runtime):  # type: ignore[no-untyped-def]
    return create_app(fuzz_rt)


CALLS: Counter[str] = Counter()
# per signed-in actor: the operations that answered 2xx at least once, and any 401 (a signed-in
# fuzzer is never told it is not signed in, except by the sign-in form it feeds wrong passwords)
SUCCEEDED: dict[str, set[str]] = {}
UNSIGNED: list[str] = []
SIGN_IN = "POST /api/v1/auth/token"


@pytest.fixture(scope="module", autouse=True)
def count_examples() -> Iterator[None]:
    """How many requests the fuzzer sent and how they were answered (shown with `pytest -s`)."""
    CALLS.clear()
    SUCCEEDED.clear()
    UNSIGNED.clear()
    yield
    print(f"\nfuzz examples sent: {CALLS.total()} {dict(CALLS.most_common())}")


def check(case, actor: str, headers: dict[str, str], app) -> None:  # type: ignore[no-untyped-def]
    response = case.call_and_validate(app=app, headers=headers, checks=CHECKS)
    CALLS[f"{response.status_code // 100}xx"] += 1
    operation = f"{case.method.upper()} {case.operation.path}"
    if 200 <= response.status_code < 300:
        SUCCEEDED.setdefault(actor, set()).add(operation)
    if response.status_code == 401 and operation != SIGN_IN:
        UNSIGNED.append(f"{actor}: {operation}")


def bearer(world: World, rt: Runtime, email: str) -> dict[str, str]:
    token = tokens.issue(TEST_SECRET, world.people[email], rt.clock.now(), timedelta(hours=12))
    return {"Authorization": f"Bearer {token}"}


@schema.parametrize()
@FUZZ
def test_api_as_home_affairs(case, world: World, fuzz_rt: Runtime, live_app) -> None:  # type: ignore[no-untyped-def]
    check(case, "home_affairs", bearer(world, fuzz_rt, HOME_AFFAIRS), live_app)


@schema.parametrize()
@FUZZ
def test_api_as_agency_editor(case, world: World, fuzz_rt: Runtime, live_app) -> None:  # type: ignore[no-untyped-def]
    editor = world.agency_people[TARGET_AGENCIES["draft"]]["agency_editor"]
    check(case, "agency_editor", bearer(world, fuzz_rt, editor), live_app)


def test_the_fuzzer_was_signed_in() -> None:
    """Runs after the two fuzz tests above (file order): an all-401 run, a token the app refuses,
    would pass every check they make, so they must also have got through on many operations."""
    print(f"\n2xx operations: { {actor: len(ops) for actor, ops in SUCCEEDED.items()} }")
    assert CALLS.total() > 0, "run this module whole: this test reads what the fuzz tests counted"
    assert not UNSIGNED, UNSIGNED[:10]
    assert CALLS["2xx"] >= MIN_SUCCESSES, CALLS
    assert len(SUCCEEDED.get("home_affairs", ())) >= MIN_OPERATIONS["home_affairs"], SUCCEEDED
    assert len(SUCCEEDED.get("agency_editor", ())) >= MIN_OPERATIONS["agency_editor"], SUCCEEDED
