"""Sign-in pages: cookie session, CSRF on every form, language remembered per person."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import select

from parflow.services.common.runtime import Runtime
from parflow.store.models import Person
from tests.support.auth import csrf_from, post_sign_in
from tests.support.passwords import PASSWORD


def test_sign_in_page_is_vietnamese_first(client: TestClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert '<html lang="vi">' in page.text
    assert "Đăng nhập" in page.text and "Mật khẩu" in page.text


def test_sign_in_sets_an_httponly_cookie_and_redirects(client: TestClient, mini: str) -> None:
    response = post_sign_in(client, "editor.a@mini.example", next_path="/")
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "parflow_session=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    home = client.get("/")
    assert "Sở Thử nghiệm A" in home.text
    assert "Sở Thử nghiệm B" not in home.text  # another agency's submission is not listed


def test_wrong_password_redisplays_the_form(client: TestClient, mini: str) -> None:
    response = post_sign_in(client, "editor.a@mini.example", password="sai mật khẩu")
    assert response.status_code == 401
    assert "Sai địa chỉ e-mail hoặc mật khẩu." in response.text
    assert 'value="editor.a@mini.example"' in response.text


def test_form_without_csrf_token_is_rejected(client: TestClient, mini: str) -> None:
    client.get("/login")
    response = client.post("/login", data={"email": "editor.a@mini.example", "password": PASSWORD})
    assert response.status_code == 403
    assert "Biểu mẫu đã hết hạn hoặc không hợp lệ" in response.text
    forged = client.post(
        "/login", data={"email": "editor.a@mini.example", "password": PASSWORD, "csrf_token": "x"}
    )
    assert forged.status_code == 403


def test_next_must_be_a_local_path(client: TestClient, mini: str) -> None:
    response = post_sign_in(client, "editor.a@mini.example", next_path="https://evil.example/")
    assert response.headers["location"] == "/"
    response = post_sign_in(client, "editor.a@mini.example", next_path="//evil.example/")
    assert response.headers["location"] == "/"


def test_language_switch_is_remembered_on_the_person(client: TestClient, rt: Runtime, mini: str) -> None:
    post_sign_in(client, "editor.a@mini.example")
    home = client.get("/")
    switched = client.post(
        "/language", data={"language": "en", "next": "/", "csrf_token": csrf_from(home.text)}
    )
    assert switched.status_code == 200 and '<html lang="en">' in switched.text
    with rt.db.read() as session:
        assert (
            session.exec(select(Person).where(Person.email == "editor.a@mini.example")).one().language == "en"
        )
    # a new browser: signing in again brings English back
    client.cookies.clear()
    post_sign_in(client, "editor.a@mini.example")
    assert '<html lang="en">' in client.get("/").text


def test_sign_out(client: TestClient, mini: str) -> None:
    post_sign_in(client, "editor.a@mini.example")
    home = client.get("/")
    out = client.post("/logout", data={"csrf_token": csrf_from(home.text)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert "Sở Thử nghiệm A" not in client.get("/").text


def test_unknown_page_is_an_html_error_in_the_readers_language(client: TestClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Không tìm thấy" in response.text
