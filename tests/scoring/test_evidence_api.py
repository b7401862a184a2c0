"""Evidence over HTTP: files judged by content, stored once by hash, size limit, links, downloads."""

from __future__ import annotations

import hashlib
import io
import zipfile

from parflow.demo_season import evidence_pdf
from parflow.services.evidence.store import blob_path
from parflow.store.models import Criterion
from tests.support.people import COUNCIL_1_4, HOME_AFFAIRS, SGTVT_FOCAL, STP_FOCAL
from tests.support.season import complete_self_assessment, start_appraisal, submit

PDF = evidence_pdf("Sở Giao thông vận tải", Criterion(code="1.1.1", title_vi="x"))  # type: ignore[call-arg]


def upload(client, login, sid, content, name="quyet-dinh.pdf", criterion="1.1.1", who=SGTVT_FOCAL):
    return client.post(
        f"/api/v1/submissions/{sid}/evidence",
        data={"criterion": criterion, "title": "Quyết định ban hành Kế hoạch CCHC năm 2021"},
        files={"file": (name, content, "application/octet-stream")},
        headers={**login(who), "Accept-Language": "en"},
    )


def docx_bytes(macro: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
        if macro:
            z.writestr("word/vbaProject.bin", b"\x00" * 10)
    return out.getvalue()


def test_a_pdf_is_stored_by_its_hash_and_downloaded_back(client, login, rt, sid) -> None:
    r = upload(client, login, sid, PDF, name="../../etc/Quyết định 12.exe.pdf")
    assert r.status_code == 201, r.text
    body = r.json()
    digest = hashlib.sha256(PDF).hexdigest()
    assert body["sha256"] == digest and body["size"] == len(PDF)
    assert body["media_type"] == "application/pdf" and body["kind"] == "file"
    assert body["filename"] == "Quyết định 12.exe.pdf"  # display name only: no folders
    stored = blob_path(rt.settings.evidence_dir, digest)
    assert stored.read_bytes() == PDF
    on_disk = [p.name for p in rt.settings.evidence_dir.rglob("*") if p.is_file()]
    assert on_disk == [digest]  # never the client's name, no temporary file left behind
    download = client.get(body["download_path"], headers=login(SGTVT_FOCAL))
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    # Home Affairs may read it too; another agency may not even see it
    assert client.get(body["download_path"], headers=login(HOME_AFFAIRS)).status_code == 200
    assert client.get(body["download_path"], headers=login(STP_FOCAL)).status_code == 404
    history = client.get(f"/api/v1/submissions/{sid}/history", headers=login(SGTVT_FOCAL)).json()
    assert history[-1]["action"] == "evidence"


def test_the_same_content_is_stored_once(client, login, rt, sid) -> None:
    first = upload(client, login, sid, PDF, criterion="1.1.1")
    second = upload(client, login, sid, PDF, name="copy.pdf", criterion="1.1.2")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    files = [p for p in rt.settings.evidence_dir.rglob("*") if p.is_file()]
    assert len(files) == 1
    listed = client.get(f"/api/v1/submissions/{sid}/evidence", headers=login(SGTVT_FOCAL)).json()
    assert [e["criterion"] for e in listed] == ["1.1.1", "1.1.2"]


def test_office_documents_and_images_are_recognised_by_content(client, login, sid) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 64
    ole_word = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "WordDocument".encode("utf-16-le")
    cases = [
        (
            docx_bytes(),
            "bao-cao.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (png, "anh.png", "image/png"),
        (jpeg, "scan.jpg", "image/jpeg"),
        (ole_word, "cu.doc", "application/msword"),
        (PDF, "no-extension", "application/pdf"),
    ]
    for content, name, media_type in cases:
        r = upload(client, login, sid, content, name=name)
        assert r.status_code == 201, (name, r.text)
        assert r.json()["media_type"] == media_type


def test_content_decides_not_the_name(client, login, rt, sid) -> None:
    cases = [
        (b"MZ\x90\x00" + b"\x00" * 100, "ke-hoach.pdf"),  # a Windows program named .pdf
        (b"<html><script>alert(1)</script></html>", "bao-cao.docx"),
        (docx_bytes(macro=True), "macro.docx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "installer.doc"),  # OLE2 but not Office
        (b"PK\x03\x04 not really a zip", "broken.xlsx"),
    ]
    for content, name in cases:
        r = upload(client, login, sid, content, name=name)
        assert r.status_code == 422, (name, r.text)
        assert r.json()["code"] == "invalid"
        assert "judged by its content" in r.json()["detail"]
    assert not [p for p in rt.settings.evidence_dir.rglob("*") if p.is_file()]  # nothing kept


def test_too_large_is_413_and_nothing_is_kept(client, login, rt, sid) -> None:
    rt.settings.evidence_max_bytes = 4096
    big = PDF + b"%" * 5000
    r = upload(client, login, sid, big)
    assert r.status_code == 413, r.text
    assert r.json()["code"] == "too_large" and "at most 4 KB" in r.json()["detail"]
    assert not [p for p in rt.settings.evidence_dir.rglob("*") if p.is_file()]
    assert client.get(f"/api/v1/submissions/{sid}/evidence", headers=login(SGTVT_FOCAL)).json() == []
    assert upload(client, login, sid, PDF).status_code == 201  # under the limit is fine


def test_declared_length_over_the_limit_is_refused_before_reading(client, login, rt, sid) -> None:
    rt.settings.evidence_max_bytes = 1024
    r = client.post(
        f"/api/v1/submissions/{sid}/evidence",
        content=b"x" * 200_000,
        headers={**login(SGTVT_FOCAL), "Content-Type": "multipart/form-data; boundary=abc"},
    )
    assert r.status_code == 413


def test_bad_uploads_are_422(client, login, sid) -> None:
    no_file = client.post(
        f"/api/v1/submissions/{sid}/evidence", data={"criterion": "1.1.1"}, headers=login(SGTVT_FOCAL)
    )
    assert no_file.status_code == 422
    no_criterion = client.post(
        f"/api/v1/submissions/{sid}/evidence",
        files={"file": ("a.pdf", PDF, "application/pdf")},
        headers=login(SGTVT_FOCAL),
    )
    assert no_criterion.status_code == 422
    survey_leaf = upload(client, login, sid, PDF, criterion="8.1.1")
    assert survey_leaf.status_code == 422 and "survey" in survey_leaf.json()["detail"]
    garbage = client.post(
        f"/api/v1/submissions/{sid}/evidence",
        content=b"--abc\r\nnonsense",
        headers={**login(SGTVT_FOCAL), "Content-Type": "multipart/form-data; boundary=abc"},
    )
    assert garbage.status_code == 422


def test_a_link_to_a_published_document(client, login, sid) -> None:
    url = "https://vanban.haiphong.gov.vn/van-ban/quyet-dinh-12-qd-sgtvt-2021"
    r = client.post(
        f"/api/v1/submissions/{sid}/evidence",
        json={"criterion": "1.1.1", "url": url, "title": "Quyết định 12/QĐ-SGTVT"},
        headers=login(SGTVT_FOCAL),
    )
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "link" and r.json()["url"] == url and r.json()["download_path"] is None
    download = client.get(f"/api/v1/submissions/{sid}/evidence/{r.json()['id']}", headers=login(SGTVT_FOCAL))
    assert download.status_code == 404
    for bad in (
        "javascript:alert(1)",
        "ftp://x.example/a",
        "https://",
        "https://a b.example/",
        "http://[::1/x",
        "https://a.example/\u0000",
    ):
        bad_r = client.post(
            f"/api/v1/submissions/{sid}/evidence",
            json={"criterion": "1.1.1", "url": bad},
            headers=login(SGTVT_FOCAL),
        )
        assert bad_r.status_code == 422, bad
    extra = client.post(
        f"/api/v1/submissions/{sid}/evidence",
        json={"criterion": "1.1.1", "url": url, "owner": "me"},
        headers=login(SGTVT_FOCAL),
    )
    assert extra.status_code == 422


def test_evidence_satisfies_the_submit_guard_instead_of_an_explanation(client, login, sid) -> None:
    client.put(f"/api/v1/submissions/{sid}/scores/1.1.1", json={"score": "0.5"}, headers=login(SGTVT_FOCAL))
    before = client.post(f"/api/v1/submissions/{sid}/events/submit", headers=login(SGTVT_FOCAL)).json()
    assert any(e["field"] == "1.1.1" and e["code"] == "leaf_no_evidence" for e in before["errors"])
    upload(client, login, sid, PDF, criterion="1.1.1")
    after = client.post(f"/api/v1/submissions/{sid}/events/submit", headers=login(SGTVT_FOCAL)).json()
    assert not any(e["field"] == "1.1.1" for e in after["errors"])


def test_who_and_when(client, login, rt, sid) -> None:
    assert upload(client, login, sid, PDF, who=HOME_AFFAIRS).status_code == 403
    assert upload(client, login, sid, PDF, who=STP_FOCAL).status_code == 404
    added = upload(client, login, sid, PDF).json()
    complete_self_assessment(rt, sid)
    submit(rt, sid)
    closed = upload(client, login, sid, PDF, criterion="1.1.2")
    assert closed.status_code == 409 and closed.json()["code"] == "wrong_phase"
    removed = client.delete(f"/api/v1/submissions/{sid}/evidence/{added['id']}", headers=login(SGTVT_FOCAL))
    assert removed.status_code == 409
    # the council sees evidence once appraisal starts, not before
    path = f"/api/v1/submissions/{sid}/evidence"
    assert client.get(path, headers=login(COUNCIL_1_4)).status_code == 404
    start_appraisal(rt, sid)
    assert client.get(path, headers=login(COUNCIL_1_4)).status_code == 200


def test_removing_evidence_during_self_assessment(client, login, sid) -> None:
    added = upload(client, login, sid, PDF).json()
    r = client.delete(f"/api/v1/submissions/{sid}/evidence/{added['id']}", headers=login(SGTVT_FOCAL))
    assert r.status_code == 204
    assert client.get(f"/api/v1/submissions/{sid}/evidence", headers=login(SGTVT_FOCAL)).json() == []
    again = client.delete(f"/api/v1/submissions/{sid}/evidence/{added['id']}", headers=login(SGTVT_FOCAL))
    assert again.status_code == 404


def test_control_characters_in_form_fields_never_reach_the_database(client, login, sid) -> None:
    r = client.post(
        f"/api/v1/submissions/{sid}/evidence",
        data={"criterion": "1.1.1", "title": "Quyết định\x00 số 12\x07"},
        files={"file": ("a\x00b.pdf", PDF, "application/pdf")},
        headers=login(SGTVT_FOCAL),
    )
    assert r.status_code == 201, r.text
    assert r.json()["title"] == "Quyết định số 12" and "\x00" not in r.json()["filename"]
    nul_criterion = upload(client, login, sid, PDF, criterion="1.1\x001")
    assert nul_criterion.status_code == 422


def test_a_version_that_is_not_ascii_digits_is_refused_in_words(client, login, rt, sid) -> None:
    """'²' passes str.isdigit() but int() refuses it: the field is read as ASCII digits only, and
    anything else is a 422 with a sentence, nothing stored."""
    for version in ("²", "١٢", "-1", "1e3", "99999999999999999999"):
        response = client.post(
            f"/api/v1/submissions/{sid}/evidence",
            data={"criterion": "1.1.1", "expected_version": version},
            files={"file": ("a.pdf", PDF, "application/pdf")},
            headers={**login(SGTVT_FOCAL), "Accept-Language": "en"},
        )
        assert response.status_code == 422, (version, response.text)
        assert "expected_version" in response.json()["detail"], response.text
    assert client.get(f"/api/v1/submissions/{sid}/evidence", headers=login(SGTVT_FOCAL)).json() == []
    version = client.get(f"/api/v1/submissions/{sid}", headers=login(SGTVT_FOCAL)).json()["version"]
    good = client.post(
        f"/api/v1/submissions/{sid}/evidence",
        data={"criterion": "1.1.1", "expected_version": f" {version} "},
        files={"file": ("a.pdf", PDF, "application/pdf")},
        headers=login(SGTVT_FOCAL),
    )
    assert good.status_code == 201, good.text
