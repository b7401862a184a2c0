"""Paged lists: `limit` and `cursor`, the next page announced in `Link` and `X-Next-Cursor`, the
body still a plain list (clients that never page keep working), bad input answered in words."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from parflow.services.common.runtime import Runtime
from tests.support.lifecycle import submission_id
from tests.support.people import HOME_AFFAIRS
from tests.support.season import complete_self_assessment, start_appraisal, submit

# keyset paging orders and compares values in the database
pytestmark = pytest.mark.both_backends

Login = Callable[[str], dict[str, str]]


def follow(client: TestClient, url: str, headers: dict[str, str]) -> tuple[list[dict], int]:
    """Every row of a paged list, by following the Link headers; and the number of pages."""
    rows: list[dict] = []
    pages = 0
    next_url: str | None = url
    while next_url:
        response = client.get(next_url, headers=headers)
        assert response.status_code == 200, response.text
        pages += 1
        rows += response.json()
        link = response.headers.get("link")
        if link is None:
            assert "x-next-cursor" not in response.headers
            next_url = None
            continue
        assert link.endswith('>; rel="next"') and response.headers["x-next-cursor"] in link
        next_url = link[1 : link.index(">")]
    return rows, pages


def test_submission_list_in_pages_equals_the_whole_list(
    client: TestClient, campaign: str, login: Login
) -> None:
    headers = login(HOME_AFFAIRS)
    whole = client.get(f"/api/v1/campaigns/{campaign}/submissions", headers=headers)
    assert whole.status_code == 200 and "link" not in whole.headers
    assert len(whole.json()) == 35
    paged, pages = follow(client, f"/api/v1/campaigns/{campaign}/submissions?limit=10", headers)
    assert pages == 4
    assert [r["id"] for r in paged] == [r["id"] for r in whole.json()]
    # filters stay on the next pages (the Link URL keeps them)
    districts, pages = follow(
        client, f"/api/v1/campaigns/{campaign}/submissions?group=rural_district&limit=3", headers
    )
    assert len(districts) == 8 and pages == 3
    assert {r["agency"]["group"] for r in districts} == {"rural_district"}


def test_bad_paging_input_is_refused_in_words(client: TestClient, campaign: str, login: Login) -> None:
    headers = login(HOME_AFFAIRS)
    base = f"/api/v1/campaigns/{campaign}/submissions"
    for cursor in ("not-a-cursor", "WzEsMl0", "eyJhIjoxfQ", "WyJ4Il0"):  # garbage, [1,2], {"a":1}, ["x"]
        response = client.get(base, params={"cursor": cursor}, headers=headers)
        assert response.status_code == 422, (cursor, response.text)
        assert response.json()["code"] == "invalid"
        assert "cursor" in response.json()["detail"]
    for limit in (0, 1001):
        assert client.get(base, params={"limit": limit}, headers=headers).status_code == 422
    history = client.get("/api/v1/submissions/1/history", params={"cursor": "WyJ4Il0"}, headers=headers)
    assert history.status_code == 422
    # an instant without its zone is refused too (it would otherwise mean server-local time)
    naive = client.get(
        "/api/v1/submissions/1/notifications",
        params={"cursor": "WyIyMDIyLTAxLTAxVDAwOjAwOjAwIiwxXQ"},  # ["2022-01-01T00:00:00",1]
        headers=headers,
    )
    assert naive.status_code == 422


def test_history_and_messages_in_pages(client: TestClient, rt: Runtime, campaign: str, login: Login) -> None:
    sid = submission_id(rt, "sgtvt")
    complete_self_assessment(rt, sid)
    submit(rt, sid)
    start_appraisal(rt, sid)
    headers = login(HOME_AFFAIRS)
    whole = client.get(f"/api/v1/submissions/{sid}/history", headers=headers).json()
    assert len(whole) >= 3
    paged, pages = follow(client, f"/api/v1/submissions/{sid}/history?limit=1", headers)
    assert pages == len(whole) and paged == whole
    messages = client.get(f"/api/v1/submissions/{sid}/notifications", headers=headers).json()
    assert len(messages) >= 2
    paged, pages = follow(client, f"/api/v1/submissions/{sid}/notifications?limit=1", headers)
    assert pages == len(messages) and [m["id"] for m in paged] == [m["id"] for m in messages]
    log = client.get(f"/api/v1/campaigns/{campaign}/notifications", headers=headers).json()
    paged, pages = follow(client, f"/api/v1/campaigns/{campaign}/notifications?limit=2", headers)
    assert [m["id"] for m in paged] == [m["id"] for m in log] and pages == (len(log) + 1) // 2


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


# cursors a client can craft: numbers beyond 64 bits or not integers, instants the database
# cannot hold or that overflow when moved to UTC, text the database refuses (NUL, lone surrogates)
CRAFTED_INT = ["[1e30]", "[1000000000000000000000000000000]", "[2147483648]", "[-1]", "[NaN]", "[Infinity]"]
CRAFTED_INSTANT = [
    '["2022-01-01T00:00:00+00:00",1e30]',
    '["2022-01-01T00:00:00+00:00",1000000000000000000000000000000]',
    '["0001-01-01T00:00:00+14:00",1]',
    '["9999-12-31T23:59:59-14:00",1]',
    '["2022-01-01T00:00:00+00:00",true]',
]
CRAFTED_TEXT = ['["department","a\\u0000b"]', '["department","\\ud800"]', '["department",1]']


def test_crafted_cursors_are_refused_in_words(
    client: TestClient, rt: Runtime, campaign: str, login: Login
) -> None:
    """A cursor is opaque but comes back from the client: whatever it decodes to, the answer is a
    422 with a sentence, never a server error from the database."""
    headers = {**login(HOME_AFFAIRS), "Accept-Language": "en"}
    sid = submission_id(rt, "sgtvt")
    cases = [(f"/api/v1/submissions/{sid}/history", raw) for raw in CRAFTED_INT]
    for path in (f"/api/v1/submissions/{sid}/notifications", f"/api/v1/campaigns/{campaign}/notifications"):
        cases += [(path, raw) for raw in CRAFTED_INSTANT]
    cases += [(f"/api/v1/campaigns/{campaign}/submissions", raw) for raw in CRAFTED_TEXT]
    for path, raw in cases:
        response = client.get(path, params={"cursor": _cursor(raw)}, headers=headers)
        assert response.status_code == 422, (path, raw, response.status_code, response.text)
        assert response.json()["code"] == "invalid" and "cursor" in response.json()["detail"], raw
    # the largest key a row can have (ids and sequence numbers are 32-bit integer columns) still
    # reads, as an empty page
    top = client.get(
        f"/api/v1/submissions/{sid}/history",
        params={"cursor": _cursor("[2147483647]")},
        headers=headers,
    )
    assert top.status_code == 200 and top.json() == []
