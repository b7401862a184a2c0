"""No N+1: the number of SQL statements a page or list needs does not grow with the number of
agencies. Two generated provinces in one database, 5 and 50 agencies, every state of the season
(scores, appraisals, disputes, history, messages), the same requests against each."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from benchmarks.generate import generate
from fastapi.testclient import TestClient
from sqlmodel import col, select

from parflow.services.common.runtime import Runtime
from parflow.store.models import Campaign, Submission
from tests.scale.conftest import home_affairs, recording
from tests.support.auth import sign_in
from tests.support.databases import give_passwords

# statement counts depend on the dialect (RETURNING, eager loads)
pytestmark = pytest.mark.both_backends

SMALL, LARGE = ("ha-noi", 5), ("ho-chi-minh", 50)


@pytest.fixture
def provinces(rt: Runtime, password_hash: str) -> dict[str, int]:
    """Hà Nội with 5 agencies and Hồ Chí Minh City with 50: campaign code → a submission id."""
    generate(rt, provinces=1, agencies=SMALL[1], start=0)
    generate(rt, provinces=1, agencies=LARGE[1], start=1)
    give_passwords(rt, password_hash)
    by_state: dict[str, dict[str, int]] = {}
    with rt.db.read() as session:
        for slug, _size in (SMALL, LARGE):
            code = f"{slug}-2021"
            rows = session.exec(
                select(Submission.state, Submission.id)
                .join(Campaign, col(Campaign.id) == col(Submission.campaign_id))
                .where(Campaign.code == code)
                .order_by(col(Submission.id))
            ).all()
            by_state[code] = {}
            for state, sid in rows:
                by_state[code].setdefault(state, sid or 0)
    # the same state on both sides: what a submission page reads depends on its state
    common = [
        s for s in ("approved", "disputed", "under_appraisal") if all(s in v for v in by_state.values())
    ]
    return {code: states[common[0]] for code, states in by_state.items()}


REQUESTS: dict[str, Callable[[str, int], str]] = {
    "API submission list": lambda code, _sid: f"/api/v1/campaigns/{code}/submissions",
    "API list, one group": lambda code, _sid: f"/api/v1/campaigns/{code}/submissions?group=department",
    "API submission": lambda _code, sid: f"/api/v1/submissions/{sid}",
    "API history": lambda _code, sid: f"/api/v1/submissions/{sid}/history",
    "API messages of a submission": lambda _code, sid: f"/api/v1/submissions/{sid}/notifications",
    "API messages of the campaign": lambda code, _sid: f"/api/v1/campaigns/{code}/notifications",
    "API results preview": lambda code, _sid: f"/api/v1/campaigns/{code}/results/preview",
    "board page": lambda code, _sid: f"/campaigns/{code}/board",
    "submission page": lambda _code, sid: f"/submissions/{sid}",
    "campaign page": lambda code, _sid: f"/campaigns/{code}",
    "publication page": lambda code, _sid: f"/campaigns/{code}/publication",
}


def statements_per_request(client: TestClient, rt: Runtime, slug: str, submission: int) -> dict[str, int]:
    code = f"{slug}-2021"
    token = client.post(
        "/api/v1/auth/token", data={"username": home_affairs(slug), "password": "correct horse battery"}
    ).json()["access_token"]
    sign_in(client, home_affairs(slug))
    counts = {}
    for name, path in REQUESTS.items():
        url = path(code, submission)
        headers = {"Authorization": f"Bearer {token}"} if url.startswith("/api/") else {}
        client.get(url, headers=headers)  # warm-up: caches that fill once per process
        with recording(rt) as recorded:
            response = client.get(url, headers=headers)
        assert response.status_code == 200, (name, response.status_code, response.text[:300])
        counts[name] = recorded.count
    return counts


def test_statements_do_not_grow_with_the_number_of_agencies(
    client: TestClient, rt: Runtime, provinces: dict[str, int]
) -> None:
    small = statements_per_request(client, rt, SMALL[0], provinces[f"{SMALL[0]}-2021"])
    large = statements_per_request(client, rt, LARGE[0], provinces[f"{LARGE[0]}-2021"])
    assert small == large
    assert all(count < 40 for count in large.values()), large
