"""Free text from every corner of Unicode, on SQLite and PostgreSQL: each free-text field of the
API either keeps exactly what was sent or refuses it with a clean 422 and a sentence; a NUL byte
never reaches PostgreSQL (which refuses it) as a 500. Oversized bodies answer 413 with a sentence
and change nothing. File names are only names: never paths."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from parflow.services.common.runtime import Runtime
from parflow.web.app import create_app
from tests.support.lifecycle import submission_id
from tests.support.people import COUNCIL_1_4, HOME_AFFAIRS, SGTVT_FOCAL, SGTVT_HEAD
from tests.support.season import appraise_all, complete_self_assessment, send_results, start_appraisal, submit

TEXTS = {
    "vietnamese": "Đã hoàn thành 100% kế hoạch cải cách hành chính năm 2021 – Sở Giao thông vận tải",
    "decomposed": "Tie\u0302\u0301u chi\u0301 tha\u0300nh pha\u0300\u0302n",  # combining marks, NFD
    "emoji": "Hoàn thành ✅📄 👩🏽‍💼 🇻🇳",
    "arabic": "تقرير إصلاح الإدارة العامة ٢٠٢١",
    "hebrew": "דו״ח רפורמה מנהלית",
    "mixed_direction": "Báo cáo \u202eتقرير\u202c số 45",
    "nul": "Báo cáo\x00số 45",
}
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
HeadersFor = Callable[[str], dict[str, str]]


def snapshot(rt: Runtime) -> tuple:  # type: ignore[type-arg]
    with rt.db.engine.connect() as conn:
        return tuple(
            conn.execute(sa.text(q)).all()
            for q in (
                "SELECT id, state, version, excluded_reason FROM submission ORDER BY id",
                "SELECT count(*) FROM audit_entry",
                "SELECT count(*) FROM evidence",
                "SELECT count(*) FROM dispute",
                "SELECT count(*) FROM extension",
                "SELECT count(*) FROM notification",
            )
        )


def judged(response, sent: str, kept: str | None, problems: list[str], where: str) -> None:  # type: ignore[no-untyped-def]
    """Exactly kept, or refused with 422 and a sentence; NUL must be refused or removed."""
    if response.status_code == 422:
        body = response.json()
        if not (body.get("code") == "invalid" and len(body.get("detail", "")) > 20):
            problems.append(f"{where}: 422 without a sentence: {body}")
        return
    if response.status_code >= 300:
        problems.append(f"{where}: {response.status_code} {response.text[:200]}")
        return
    if "\x00" in sent:
        problems.append(f"{where}: a NUL byte was accepted ({kept!r})")
    elif kept != sent:
        problems.append(f"{where}: sent {sent!r}, kept {kept!r}")


@pytest.mark.both_backends
@pytest.mark.slow
def test_unicode_in_every_free_text_field(
    rt: Runtime, campaign: str, client: TestClient, login: HeadersFor
) -> None:
    draft, appraised, disputed = (submission_id(rt, code) for code in ("sgtvt", "sct", "stc"))
    complete_self_assessment(rt, draft)
    for sid in (appraised, disputed):
        complete_self_assessment(rt, sid)
        submit(rt, sid)
        start_appraisal(rt, sid)
    appraise_all(rt, disputed)
    send_results(rt, disputed)
    editor, head, council, home = (login(e) for e in (SGTVT_FOCAL, SGTVT_HEAD, COUNCIL_1_4, HOME_AFFAIRS))
    stc_head = login("lanh-dao.stc@haiphong.example")
    api = "/api/v1"
    problems: list[str] = []
    dispute_leaves = iter(["1.1.1", "1.1.2", "1.1.3", "1.2.1", "1.2.2", "1.3.1", "1.3.2", "1.3.3"])
    for n, (name, text) in enumerate(TEXTS.items()):
        before = snapshot(rt)
        refused_before = len(problems)

        r = client.put(
            f"{api}/submissions/{draft}/scores/1.1.1",
            json={"score": "0.5", "explanation": text},
            headers=editor,
        )
        judged(
            r,
            text,
            r.json()["scores"][0]["explanation"] if r.status_code == 200 else None,
            problems,
            f"{name} explanation",
        )

        r = client.post(
            f"{api}/submissions/{draft}/evidence",
            json={"criterion": "1.1.2", "url": f"https://haiphong.gov.vn/{n}", "title": text},
            headers=editor,
        )
        judged(
            r,
            text,
            r.json().get("title") if r.status_code == 201 else None,
            problems,
            f"{name} evidence title",
        )

        r = client.post(f"{api}/submissions/{draft}/exclusion", json={"reason": text}, headers=home)
        judged(
            r, text, r.json().get("reason") if r.status_code == 200 else None, problems, f"{name} exclusion"
        )
        client.delete(f"{api}/submissions/{draft}/exclusion", headers=home)

        new_date = (date(2022, 1, 14) + timedelta(days=n + 1)).isoformat()
        r = client.post(
            f"{api}/campaigns/{campaign}/extensions",
            json={
                "agency": "sgtvt",
                "milestone": "self_assessment_due",
                "new_date": new_date,
                "reason": text,
            },
            headers=home,
        )
        judged(
            r, text, r.json().get("reason") if r.status_code == 201 else None, problems, f"{name} extension"
        )

        r = client.post(f"{api}/submissions/{draft}/events/submit", json={"comment": text}, headers=editor)
        judged(
            r,
            text,
            r.json()["history_entry"]["comment"] if r.status_code == 200 else None,
            problems,
            f"{name} event",
        )
        if r.status_code == 200:
            r = client.post(f"{api}/submissions/{draft}/events/reopen", json={"comment": text}, headers=head)
            judged(
                r,
                text,
                r.json()["history_entry"]["comment"] if r.status_code == 200 else None,
                problems,
                f"{name} reopen",
            )

        r = client.put(
            f"{api}/submissions/{appraised}/appraisals/1.1.1",
            json={"score": "0.25", "comment": text},
            headers=council,
        )
        kept = r.json()["scores"][0]["appraisal_comment"] if r.status_code == 200 else None
        judged(r, text, kept, problems, f"{name} appraisal comment")

        leaf = next(dispute_leaves)
        r = client.post(
            f"{api}/submissions/{disputed}/disputes",
            json={"disputes": [{"criterion": leaf, "argument": text}]},
            headers=stc_head,
        )
        judged(
            r,
            text,
            r.json()["disputes"][0]["argument"] if r.status_code == 201 else None,
            problems,
            f"{name} dispute",
        )
        if r.status_code == 201:
            dispute_id = r.json()["disputes"][0]["id"]
            r = client.post(
                f"{api}/disputes/{dispute_id}/resolution",
                json={"outcome": "rejected", "reason": text},
                headers=council,
            )
            kept = r.json()["dispute"]["resolution_reason"] if r.status_code == 200 else None
            judged(r, text, kept, problems, f"{name} resolution")

        # what was read back from the database matches too (not only the response)
        if name != "nul" and len(problems) == refused_before:
            history = client.get(f"{api}/submissions/{draft}/history", headers=home).json()
            assert history[-1]["comment"] == text, name
        if name == "nul":
            assert snapshot(rt) == before, "a refused NUL changed the database"
    assert not problems, "\n".join(problems)


def test_file_names_are_names_not_paths(
    rt: Runtime, campaign: str, client: TestClient, login: HeadersFor
) -> None:
    sid = submission_id(rt, "sgtvt")
    headers = login(SGTVT_FOCAL)
    names = {
        "../../../etc/passwd.pdf": "passwd.pdf",
        "..\\..\\windows\\system32\\x.pdf": "x.pdf",
        "/tmp/evil.pdf": "evil.pdf",
        "Báo cáo ✅ تقرير.pdf": "Báo cáo ✅ تقرير.pdf",
        "a\x00b.pdf": None,  # no NUL arrives (the client escapes it), nor any folder
    }
    for sent, shown in names.items():
        r = client.post(
            f"/api/v1/submissions/{sid}/evidence",
            data={"criterion": "1.1.1"},
            files={"file": (sent, PDF + sent.encode("utf-8", "replace"), "application/pdf")},
            headers=headers,
        )
        assert r.status_code == 201, r.text
        kept = r.json()["filename"]
        assert kept == shown if shown else ("\x00" not in kept and "/" not in kept), kept
        stored = [p for p in rt.settings.evidence_dir.rglob("*") if p.is_file()]
        # stored under its SHA-256 inside the evidence folder, whatever the name said
        assert all(p.resolve().is_relative_to(rt.settings.evidence_dir.resolve()) for p in stored)
        assert all(len(p.name) == 64 and "." not in p.name for p in stored)
        download = client.get(r.json()["download_path"], headers=headers)
        assert download.status_code == 200 and download.content.startswith(b"%PDF-")
        assert "attachment" in download.headers["content-disposition"]
    assert not (rt.settings.data_dir.parent / "etc").exists()


def test_a_file_is_judged_by_its_content_not_its_name(
    rt: Runtime, campaign: str, client: TestClient, login: HeadersFor
) -> None:
    sid = submission_id(rt, "sgtvt")
    before = snapshot(rt)
    r = client.post(
        f"/api/v1/submissions/{sid}/evidence",
        data={"criterion": "1.1.1"},
        files={"file": ("bao-cao.pdf", b"#!/bin/sh\nrm -rf /\n", "application/pdf")},
        headers=login(SGTVT_FOCAL),
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid"
    assert snapshot(rt) == before


def test_oversized_bodies_are_413_with_a_sentence(rt: Runtime, campaign: str, login: HeadersFor) -> None:
    rt.settings.request_max_bytes = 64 * 1024
    rt.settings.evidence_max_bytes = 32 * 1024
    sid = submission_id(rt, "sgtvt")
    with TestClient(create_app(rt)) as client:
        token = client.post(
            "/api/v1/auth/token", data={"username": SGTVT_FOCAL, "password": "correct horse battery"}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Accept-Language": "vi"}
        before = snapshot(rt)
        huge = "Giải trình " * 10_000  # ~110 KB of JSON

        def chunks():  # no Content-Length: the limit must hold while the body streams in
            data = ('{"score": "0.5", "explanation": "' + huge + '"}').encode()
            for i in range(0, len(data), 8192):
                yield data[i : i + 8192]

        attempts = {
            "json declared": client.put(
                f"/api/v1/submissions/{sid}/scores/1.1.1",
                json={"score": "0.5", "explanation": huge},
                headers=headers,
            ),
            "json streamed": client.put(
                f"/api/v1/submissions/{sid}/scores/1.1.1",
                content=chunks(),
                headers={**headers, "Content-Type": "application/json"},
            ),
            "upload": client.post(
                f"/api/v1/submissions/{sid}/evidence",
                data={"criterion": "1.1.1"},
                files={"file": ("lon.pdf", PDF + b"%" * 40_000, "application/pdf")},
                headers=headers,
            ),
            "upload over the request limit": client.post(
                f"/api/v1/submissions/{sid}/evidence",
                data={"criterion": "1.1.1"},
                files={"file": ("rat-lon.pdf", PDF + b"%" * 100_000, "application/pdf")},
                headers=headers,
            ),
        }
        for what, response in attempts.items():
            assert response.status_code == 413, (what, response.status_code, response.text[:200])
            body = response.json()
            assert body["code"] == "too_large", what
            assert body["detail"].startswith("Dữ liệu gửi lên quá lớn") or "quá lớn" in body["detail"], what
        assert snapshot(rt) == before
        assert not [p for p in rt.settings.evidence_dir.rglob("*") if p.is_file()]
