"""Every response carries protective headers; oversized bodies are refused before being read."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_pages_have_a_strict_content_security_policy(client: TestClient) -> None:
    response = client.get("/login")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"


def test_api_responses_are_not_cached(client: TestClient) -> None:
    response = client.get("/api/v1/campaigns")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_oversized_request_is_413_with_a_sentence(client: TestClient, rt) -> None:  # type: ignore[no-untyped-def]
    limit = rt.settings.request_max_bytes
    response = client.post(
        "/api/v1/auth/token",
        content=b"x" * 16,
        headers={"Content-Length": str(limit + 1), "Accept-Language": "en"},
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "The data sent is too large (at most 25 MB).", "code": "too_large"}


def test_secret_key_is_never_in_the_settings_repr(rt) -> None:  # type: ignore[no-untyped-def]
    assert rt.settings.secret_key not in repr(rt.settings)
