"""Every response carries protective headers; oversized bodies are refused before being read."""

from __future__ import annotations

import base64
import hashlib
import re

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


def test_api_documentation_is_served_from_here_under_the_policy(client: TestClient) -> None:
    """/docs and /redoc load their scripts and styles from this server (a pinned package), never a
    CDN, and carry the content security policy; their one inline script is allowed by its hash."""
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "https://" not in page.text and "http://" not in page.text, path
        csp = page.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
        assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0], path
        assets = re.findall(r'(?:src|href)="(/docs-assets/[^"]+)"', page.text)
        for asset in assets:
            assert client.get(asset).status_code == 200, asset
        inline = re.findall(r"<script>(.*?)</script>", page.text, re.S)
        for script in inline:
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in csp, path
    assert any(
        a.endswith("swagger-ui-bundle.js") for a in re.findall(r'src="([^"]+)"', client.get("/docs").text)
    )
    assert client.get("/openapi.json").json()["info"]["title"] == "parflow"
