"""The authorisation matrix, generated from the application's route table.

Every (method, path) the app serves must have a rule in `matrix_rules.RULES`: a new route without
one fails `test_every_route_has_a_rule`, so nobody can add an endpoint without saying who may use
it. Each rule is fired against the real app (real SQLite, the prepared world of `world.py`) as
every actor; refused requests must leave the database exactly as it was, and every path with an id
or a code also answers an unknown one with 404 (ids cannot be probed).
"""

from __future__ import annotations

import hashlib
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from parflow.services.common.runtime import Runtime
from parflow.web import tokens
from parflow.web.app import create_app
from parflow.web.session import COOKIE, SessionCodec
from tests.security.matrix_rules import ACTORS, IGNORED, RULES, Case
from tests.security.world import (
    CAMPAIGN,
    CITY_LEADER,
    COUNCIL_IN,
    COUNCIL_OUT,
    OTHER_AGENCY,
    TARGET_AGENCIES,
    VIEWER,
    World,
    restore,
)
from tests.support.databases import TEST_SECRET
from tests.support.passwords import PASSWORD
from tests.support.people import HOME_AFFAIRS

CSRF = "csrf-token-of-the-matrix-test"
UNKNOWN = {
    "submission_id": "987654",
    "evidence_id": "987654",
    "dispute_id": "987654",
    "code": "khong-co-2099",
    "mail_id": "khong-co",
    "token": "khong-co-token",
    "agency": "khong-co",
}
# a signed-in JSON caller is told 404 on these; the rest of the id-less paths need no probe
REFUSED = (401, 403, 404)


def app_routes(app) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    found = set()
    for ctx in iter_route_contexts(app.routes):
        path = ctx.path
        if path is None:
            continue
        for method in ctx.methods or {"GET"}:
            if method != "HEAD":
                found.add((method, path))
    return found - IGNORED


@pytest.fixture(scope="module")
def route_table(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str]]:
    from parflow.services.common.runtime import Runtime as _Runtime
    from parflow.store.db import Database
    from tests.support.databases import runtime_settings

    base = tmp_path_factory.mktemp("routes")
    db = Database(f"sqlite:///{base / 'r.db'}")
    rt = _Runtime(settings=runtime_settings(base / "data", db.url), db=db)
    try:
        return app_routes(create_app(rt))
    finally:
        db.dispose()


def test_every_route_has_a_rule(route_table: set[tuple[str, str]]) -> None:
    missing = sorted(route_table - set(RULES))
    assert not missing, f"routes without an authorisation rule in matrix_rules.RULES: {missing}"
    stale = sorted(set(RULES) - route_table)
    assert not stale, f"rules for routes the app no longer has: {stale}"


def fingerprint(rt: Runtime) -> str:
    """Row counts of every table plus the rows that say where things stand (cheap, and any write
    a use case makes changes at least one of them: writes bump the submission's version). Score
    values are read too: a refused request that changed a score but not the version (a use case
    that forgot to bump it) must still show."""
    digest = hashlib.sha256()
    with rt.db.engine.connect() as conn:
        names = [n for n in sa.inspect(conn).get_table_names() if n not in ("alembic_version",)]
        for name in sorted(names):
            digest.update(f"{name}:{conn.execute(sa.text(f'SELECT count(*) FROM {name}')).scalar()}".encode())
        for query in (
            "SELECT id, state, version, excluded_reason, results_sent_at FROM submission ORDER BY id",
            "SELECT id, key, due_date FROM milestone ORDER BY id",
            "SELECT id, submission_id, criterion_code, self_score, explanation, self_by, appraised_score,"
            " appraisal_comment, appraised_by, survey_score FROM score ORDER BY id",
            "SELECT id, published_at FROM campaign ORDER BY id",
            "SELECT id, status, resolution_reason FROM dispute ORDER BY id",
            "SELECT id, password_hash, language FROM person ORDER BY id",
        ):
            for row in conn.execute(sa.text(query)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


class Caller:
    """Sends one request as one actor: a bearer token for the API, a signed session cookie (with a
    known CSRF token) for pages."""

    def __init__(self, client: TestClient, rt: Runtime, world: World) -> None:
        self.client = client
        self.rt = rt
        self.world = world
        self.codec = SessionCodec(TEST_SECRET)

    def email(self, actor: str, target: str) -> str | None:
        agency = TARGET_AGENCIES.get(target, TARGET_AGENCIES["draft"])
        people = self.world.agency_people
        return {
            "anonymous": None,
            "editor_own": people[agency]["agency_editor"],
            "head_own": people[agency]["agency_head"],
            "editor_other": people[OTHER_AGENCY]["agency_editor"],
            "head_other": people[OTHER_AGENCY]["agency_head"],
            "council_in": COUNCIL_IN,
            "council_out": COUNCIL_OUT,
            "home_affairs": HOME_AFFAIRS,
            "city_leader": CITY_LEADER,
            "viewer": VIEWER,
        }[actor]

    def path(self, template: str, case: Case, unknown: str | None = None) -> str:
        values = {
            "code": CAMPAIGN,
            "submission_id": str(self.world.submissions.get(case.target, 0)),
            "evidence_id": str(self.world.evidence["file"]),
            "dispute_id": str(self.world.dispute_id),
            "token": self.world.calendar_token,
            "mail_id": "20220110-0001",
            "agency": "sgtvt",
            **case.params,
        }
        if unknown:
            values[unknown] = UNKNOWN[unknown]
        return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)

    def send(self, method: str, template: str, case: Case, actor: str, unknown: str | None = None):  # type: ignore[no-untyped-def]
        email = self.email(actor, case.target)
        headers: dict[str, str] = {}
        self.client.cookies.clear()
        is_page = not template.startswith(("/api/", "/healthz", "/readyz", "/openapi.json", "/metrics"))
        if email is not None:
            person = self.world.people[email]
            if is_page:
                now = int(self.rt.clock.now().timestamp())
                cookie = self.codec.dump({"pid": person, "lang": "vi", "csrf": CSRF, "issued": now})
                self.client.cookies.set(COOKIE, cookie)
            else:
                token = tokens.issue(TEST_SECRET, person, self.rt.clock.now(), timedelta(hours=1))
                headers["Authorization"] = f"Bearer {token}"
        data = dict(case.form) if case.form is not None else None
        if data is not None:
            if template == "/api/v1/auth/token" or template == "/login":
                data["password"] = PASSWORD
            if is_page:
                data["csrf_token"] = CSRF
        return self.client.request(
            method,
            self.path(template, case, unknown),
            headers=headers,
            json=case.json,
            data=data,
            files=case.files,
            follow_redirects=False,
        )


def gist(response) -> str:  # type: ignore[no-untyped-def]
    """What a refusal said, short: the JSON detail, or the page's title."""
    title = re.search(r"<title>([^<]*)</title>", response.text)
    return (title.group(1).strip() if title else response.text[:140]).replace("\n", " ")


def reset(rt: Runtime, world: World) -> None:
    """Back to the prepared world after a request that was allowed to change it."""
    rt.db.dispose()
    db_file = rt.db.url.removeprefix("sqlite:///")
    restore(world.db_file, Path(db_file))
    shutil.copytree(world.data_dir, rt.settings.data_dir, dirs_exist_ok=True)


@pytest.mark.parametrize(("method", "template"), sorted(RULES), ids=[f"{m} {p}" for m, p in sorted(RULES)])
def test_route_authorisation(
    world: World, world_rt: Runtime, world_client: TestClient, method: str, template: str
) -> None:
    caller = Caller(world_client, world_rt, world)
    problems = []
    clean = fingerprint(world_rt)
    for case in RULES[(method, template)]:
        for actor in ACTORS:
            want = case.expect[actor]
            response = caller.send(method, template, case, actor)
            after = fingerprint(world_rt)
            got = response.status_code
            if got != want:
                problems.append(f"{case.target} {actor}: want {want}, got {got}: {gist(response)}")
            if (got >= 400 or actor not in case.allowed) and after != clean:
                problems.append(f"{case.target} {actor}: refused with {got} but the database changed")
            if got >= 400 and template.startswith(("/api/", "/metrics")):
                body = response.json()
                if not (body.get("detail") and body.get("code")):
                    problems.append(f"{case.target} {actor}: error without detail and code: {body}")
            if after != clean:
                reset(world_rt, world)
                clean = fingerprint(world_rt)
    assert not problems, "\n".join(problems)


ID_ROUTES = sorted(k for k in RULES if any(f"{{{p}}}" in k[1] for p in UNKNOWN))


@pytest.mark.parametrize(("method", "template"), ID_ROUTES, ids=[f"{m} {p}" for m, p in ID_ROUTES])
def test_unknown_ids_answer_404(
    world: World, world_rt: Runtime, world_client: TestClient, method: str, template: str
) -> None:
    """Home Affairs sees every submission of the campaign: for them an unknown id can only be unknown,
    and it must read exactly like an invisible one (404), never 403 or 500."""
    caller = Caller(world_client, world_rt, world)
    before = fingerprint(world_rt)
    problems = []
    case = RULES[(method, template)][0]
    for name in UNKNOWN:
        if f"{{{name}}}" not in template:
            continue
        for actor in ("home_affairs", "editor_own"):
            response = caller.send(method, template, case, actor, unknown=name)
            if response.status_code != 404 and not (
                template == "/results/{code}" and response.status_code == 307
            ):
                problems.append(f"{name} as {actor}: {response.status_code} {gist(response)}")
    assert fingerprint(world_rt) == before
    assert not problems, "\n".join(problems)
