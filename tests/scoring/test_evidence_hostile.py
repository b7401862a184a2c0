"""Hostile evidence files: a zip-based document with hundreds of thousands of entries or entries
that claim gigabytes is refused from its central directory (cheaply, with a sentence); a file
offered back for download carries the extension of what it really is, never the uploader's."""

from __future__ import annotations

import struct
import time
import tracemalloc
import zipfile
from pathlib import Path
from urllib.parse import quote

from parflow.services.evidence.types import sniff
from tests.scoring.test_evidence_api import PDF, docx_bytes, upload
from tests.support.auth import sign_in
from tests.support.people import SGTVT_FOCAL


def many_entries_docx(path: Path, count: int) -> Path:
    """A .docx whose central directory lists `count` empty entries (an Office zip bomb)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
        for i in range(count):
            z.writestr(f"{i:x}", b"")
    return path


def test_sniffing_a_zip_with_many_entries_costs_little(tmp_path: Path) -> None:
    path = many_entries_docx(tmp_path / "bomb.docx", 50_000)
    with path.open("rb") as f:
        head = f.read(8192)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        sniff(path, head)
    except Exception as exc:  # the refusal itself is checked over HTTP below
        assert type(exc).__name__ == "Invalid", exc
    spent = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 2 * 1024 * 1024, f"{peak / 1e6:.1f} MB"  # a ZipFile of 50,000 infos is ~30 MB
    assert spent < 0.5, f"{spent:.2f} s"


def test_a_zip_with_many_entries_is_422_with_a_sentence(client, login, rt, sid, tmp_path: Path) -> None:
    data = many_entries_docx(tmp_path / "bomb.docx", 50_000).read_bytes()
    r = upload(client, login, sid, data, name="bao-cao.docx")
    assert r.status_code == 422, r.text
    assert "more than 10,000 parts" in r.json()["detail"], r.json()
    assert not [p for p in rt.settings.evidence_dir.rglob("*") if p.is_file()]


def test_a_zip_whose_entries_claim_gigabytes_is_422(client, login, rt, sid) -> None:
    data = bytearray(docx_bytes())
    # raise the declared size of the first entry in the central directory to almost 4 GB
    at = data.index(b"PK\x01\x02")
    struct.pack_into("<L", data, at + 24, 0xFFFFFFF0)
    r = upload(client, login, sid, bytes(data), name="bao-cao.docx")
    assert r.status_code == 422, r.text
    assert "unpacks to more than" in r.json()["detail"], r.json()
    assert not [p for p in rt.settings.evidence_dir.rglob("*") if p.is_file()]


def test_the_download_name_follows_the_content_not_the_upload(client, login, sid) -> None:
    for sent, offered in [
        ("bao-cao.html", "bao-cao.pdf"),
        ("chay.bat", "chay.pdf"),
        ("ung-dung.hta", "ung-dung.pdf"),
        ("Báo cáo tổng hợp.pdf.html", "Báo cáo tổng hợp.pdf.pdf"),
        ("khong-duoi", "khong-duoi.pdf"),
        ("Quyết định.PDF", "Quyết định.PDF"),
    ]:
        r = upload(client, login, sid, PDF, name=sent)
        assert r.status_code == 201, r.text
        assert r.json()["filename"] == offered
        download = client.get(r.json()["download_path"], headers=login(SGTVT_FOCAL))
        assert download.status_code == 200
        assert download.headers["content-type"] == "application/pdf"
        assert download.headers["x-content-type-options"] == "nosniff"
        disposition = download.headers["content-disposition"]
        assert disposition.startswith("attachment;"), disposition
        assert f"filename*=UTF-8''{quote(offered, safe='')}" in disposition, disposition
        ascii_name = disposition.split('filename="', 1)[1].split('"', 1)[0]
        assert ascii_name.isascii() and ascii_name.lower().endswith(".pdf"), disposition


def test_an_old_row_with_a_wrong_extension_is_downloaded_under_a_corrected_name(
    client, login, rt, sid
) -> None:
    """Evidence stored before the name was corrected on upload is corrected on download."""
    from parflow.store.models import Evidence

    r = upload(client, login, sid, PDF, name="bao-cao.pdf")
    eid = r.json()["id"]

    def rename(session) -> None:  # type: ignore[no-untyped-def]
        row = session.get(Evidence, eid)
        row.filename = "bao-cao.html"
        session.add(row)

    rt.db.run(rename)
    api = client.get(r.json()["download_path"], headers=login(SGTVT_FOCAL))
    sign_in(client, SGTVT_FOCAL)  # the page's download link reads the session cookie
    page = client.get(f"/submissions/{sid}/evidence/{eid}")
    for path, download in (("api", api), ("page", page)):
        assert download.status_code == 200, (path, download.status_code)
        assert 'filename="bao-cao.pdf"' in download.headers["content-disposition"], path
        assert download.headers["x-content-type-options"] == "nosniff"
