"""Who may open which page: anonymous readers are sent to sign in, another agency's submission does
not exist, council members see submissions only from appraisal on, and every form post without the
session's CSRF token is refused with the database unchanged."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from parflow.services.common.runtime import Runtime
from tests.support.auth import csrf_from, sign_in
from tests.support.lifecycle import audit_count, force_state, state_and_version, submission_id

MINI = "mini-2021"


def signed_in_pages(sid: int) -> list[str]:
    return [
        f"/campaigns/{MINI}/board",
        f"/campaigns/{MINI}",
        f"/campaigns/{MINI}/mine",
        f"/campaigns/{MINI}/council",
        f"/campaigns/{MINI}/publication",
        f"/campaigns/{MINI}/notifications?status=dead",
        f"/submissions/{sid}",
        f"/submissions/{sid}/self-assessment",
        f"/submissions/{sid}/evidence/new",
        f"/submissions/{sid}/appraisal",
        f"/submissions/{sid}/disputes",
        f"/submissions/{sid}/events/submit",
        "/disputes/1",
    ]


def test_anonymous_readers_are_sent_to_sign_in(client: TestClient, rt: Runtime, mini: str) -> None:
    sid = submission_id(rt, "dept-a")
    for path in signed_in_pages(sid):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=/"), path
    # and signing in brings them back to where they were going
    page = client.get(f"/login?next=/submissions/{sid}")
    done = client.post(
        "/login",
        data={
            "email": "editor.a@mini.example",
            "password": "correct horse battery",
            "next": f"/submissions/{sid}",
            "csrf_token": csrf_from(page.text),
        },
        follow_redirects=False,
    )
    assert done.headers["location"] == f"/submissions/{sid}"


def test_another_agencys_submission_does_not_exist(client: TestClient, rt: Runtime, mini: str) -> None:
    own, other = submission_id(rt, "dept-a"), submission_id(rt, "dept-b")
    sign_in(client, "editor.a@mini.example")
    assert client.get(f"/submissions/{own}").status_code == 200
    for path in (
        f"/submissions/{other}",
        f"/submissions/{other}/self-assessment",
        f"/submissions/{other}/evidence/new",
        f"/submissions/{other}/disputes",
        f"/submissions/{other}/events/submit",
        f"/submissions/{other}/evidence/1",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Không tìm thấy" in response.text and "Sở Thử nghiệm B" not in response.text
    assert client.get("/submissions/999999").status_code == 404


def test_council_sees_submissions_only_from_appraisal_on(client: TestClient, rt: Runtime, mini: str) -> None:
    sid = submission_id(rt, "dept-a")
    sign_in(client, "council@mini.example")
    assert client.get(f"/submissions/{sid}").status_code == 404  # still a draft
    force_state(rt, sid, "under_appraisal", results_sent=False)
    page = client.get(f"/submissions/{sid}")
    assert page.status_code == 200 and "Sở Thử nghiệm A" in page.text
    assert client.get(f"/campaigns/{MINI}/council").status_code == 200


@pytest.mark.parametrize(
    ("email", "status"),
    [
        ("ha@mini.example", 200),
        ("city@mini.example", 200),
        ("viewer@mini.example", 200),
        ("council@mini.example", 403),
        ("editor.a@mini.example", 403),
    ],
)
def test_the_board_is_for_campaign_wide_readers(
    client: TestClient, mini: str, email: str, status: int
) -> None:
    sign_in(client, email)
    response = client.get(f"/campaigns/{MINI}/board")
    assert response.status_code == status
    if status == 403:
        assert "Bảng theo dõi dành cho Sở Nội vụ" in response.text


def test_pages_of_other_roles_are_refused_in_words(client: TestClient, rt: Runtime, mini: str) -> None:
    sid = submission_id(rt, "dept-a")
    sign_in(client, "editor.a@mini.example")
    assert client.get(f"/campaigns/{MINI}/council").status_code == 403
    assert client.get(f"/campaigns/{MINI}/publication").status_code == 403
    assert client.get(f"/campaigns/{MINI}/notifications").status_code == 403
    assert client.get(f"/submissions/{sid}/appraisal").status_code == 403
    sign_in(client, "ha@mini.example")
    refused = client.get(f"/submissions/{sid}/self-assessment")
    assert refused.status_code == 403 and "Chỉ cán bộ đầu mối hoặc lãnh đạo" in refused.text
    assert client.get("/campaigns/no-such-campaign").status_code == 404


def _post_forms(sid: int) -> list[tuple[str, dict[str, str]]]:
    return [
        ("/logout", {}),
        ("/language", {"language": "en"}),
        (f"/submissions/{sid}/events/submit", {"comment": "x"}),
        (f"/submissions/{sid}/self-assessment", {"score-1.1": "1"}),
        (f"/submissions/{sid}/evidence/1/remove", {}),
        (f"/submissions/{sid}/appraisal", {"appraised-1.1": "1"}),
        (f"/submissions/{sid}/disputes", {"leaf": "1.1", "argument-1.1": "x"}),
        ("/disputes/1/resolve", {"outcome": "rejected", "reason": "x"}),
        (
            f"/campaigns/{MINI}/milestones",
            {"milestone": "publication", "new_date": "30/03/2022", "reason": "x"},
        ),
        (
            f"/campaigns/{MINI}/extensions",
            {"agency": "dept-a", "milestone": "self_assessment_due", "new_date": "21/01/2022", "reason": "x"},
        ),
        (f"/campaigns/{MINI}/approve", {"confirm": "1"}),
        (f"/campaigns/{MINI}/publish", {"confirm": "1"}),
        (f"/campaigns/{MINI}/exclusions", {"agency": "dept-a", "reason": "x"}),
    ]


def test_every_form_post_needs_the_sessions_csrf_token(client: TestClient, rt: Runtime, mini: str) -> None:
    sid = submission_id(rt, "dept-a")
    sign_in(client, "ha@mini.example")
    token = csrf_from(client.get(f"/campaigns/{MINI}").text)
    before = state_and_version(rt, sid), audit_count(rt, sid)
    for path, data in _post_forms(sid):
        for forged in (None, "forged-" + token[:10]):
            body = dict(data) if forged is None else {**data, "csrf_token": forged}
            response = client.post(path, data=body, follow_redirects=False)
            assert response.status_code == 403, (path, forged, response.status_code)
            assert "Biểu mẫu đã hết hạn hoặc không hợp lệ" in response.text, path
    # multipart uploads (streamed to disk, token read from the stream) are refused the same way
    for path in (f"/submissions/{sid}/evidence", f"/campaigns/{MINI}/survey"):
        files = {"file": ("a.csv", b"agency,sipas\n", "text/csv")}
        response = client.post(path, data={"criterion": "1.1"}, files=files, follow_redirects=False)
        assert response.status_code in (403, 409), path  # 409: evidence is closed to Home Affairs
    sign_in(client, "editor.a@mini.example")
    files = {"file": ("a.pdf", b"%PDF-1.4\n", "application/pdf")}
    response = client.post(f"/submissions/{sid}/evidence", data={"criterion": "1.1"}, files=files)
    assert response.status_code == 403 and "Biểu mẫu đã hết hạn" in response.text
    sign_in(client, "ha@mini.example")
    response = client.post(
        f"/campaigns/{MINI}/survey", files={"file": ("a.csv", b"agency,sipas\n", "text/csv")}
    )
    assert response.status_code == 403 and "Biểu mẫu đã hết hạn" in response.text
    assert (state_and_version(rt, sid), audit_count(rt, sid)) == before
    # the session is still signed in: a rejected form changes nothing, sign-out included
    assert client.get(f"/campaigns/{MINI}/board").status_code == 200


def test_a_token_from_another_session_is_refused(client: TestClient, rt: Runtime, mini: str) -> None:
    sid = submission_id(rt, "dept-a")
    sign_in(client, "ha@mini.example")
    old = csrf_from(client.get("/").text)
    sign_in(client, "ha@mini.example")  # a new session gets a new token
    response = client.post(f"/submissions/{sid}/events/start_appraisal", data={"csrf_token": old})
    assert response.status_code == 403


def test_public_results_are_a_404_before_publication(client: TestClient, mini: str) -> None:
    response = client.get(f"/campaigns/{MINI}/results")
    assert response.status_code == 404 and "Không tìm thấy" in response.text
    assert (
        client.get(f"/results/{MINI}", follow_redirects=False).headers["location"]
        == f"/campaigns/{MINI}/results"
    )
    listing = client.get("/results")
    assert listing.status_code == 200 and "Chưa có kết quả nào được công bố" in listing.text
    # the workflow of an unpublished campaign is for its participants
    assert client.get(f"/campaigns/{MINI}/workflow", follow_redirects=False).status_code == 303
    sign_in(client, "viewer@mini.example")
    assert client.get(f"/campaigns/{MINI}/workflow").status_code == 200


def test_navigation_follows_the_roles(client: TestClient, mini: str) -> None:
    sign_in(client, "editor.a@mini.example")
    nav = client.get("/").text.split("</nav>")[0]
    assert f"/campaigns/{MINI}/mine" in nav and "/board" not in nav and "/council" not in nav
    sign_in(client, "council@mini.example")
    nav = client.get("/").text.split("</nav>")[0]
    assert f"/campaigns/{MINI}/council" in nav and "/board" not in nav
    sign_in(client, "ha@mini.example")
    nav = client.get("/").text.split("</nav>")[0]
    for path in ("/board", "/publication", "/notifications", "/workflow"):
        assert f"/campaigns/{MINI}{path}" in nav
    assert client.get(f"/campaigns/{MINI}/mine").status_code == 404  # Home Affairs has no agency
