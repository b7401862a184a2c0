"""One agency cannot fill the disk or the audit chain: long texts are recorded in the audit trail by
their hash, evidence added per hour and bytes per submission are limited (429 with Retry-After,
413, each with a sentence), and files no row refers to any more are swept from the store."""

from __future__ import annotations

import json
import time

from sqlmodel import col, select

from parflow.services.common import audit
from parflow.services.common.lookups import get_campaign
from parflow.services.evidence.store import blob_path
from parflow.services.evidence.sweep import GRACE, sweep
from parflow.store.models import AuditEntry, Score
from tests.scoring.test_evidence_api import PDF, upload
from tests.support.lifecycle import submission_id
from tests.support.people import SGTVT_FOCAL, STP_FOCAL


def test_a_bulk_update_of_long_explanations_writes_a_small_audit_entry(
    client, login, rt, sid, campaign
) -> None:
    guard = client.post(f"/api/v1/submissions/{sid}/events/submit", headers=login(SGTVT_FOCAL))
    leaves = sorted({e["field"] for e in guard.json()["errors"]})
    long_text = "Giải trình chi tiết về kết quả thực hiện. " * 95  # about 4,000 characters
    body = {"scores": [{"criterion": c, "score": "0", "explanation": long_text[:4000]} for c in leaves]}
    r = client.put(f"/api/v1/submissions/{sid}/scores", json=body, headers=login(SGTVT_FOCAL))
    assert r.status_code == 200, r.text
    with rt.db.read() as session:
        entry = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()
        assert entry is not None and entry.action == "score"
        size = len(json.dumps(entry.data, ensure_ascii=False).encode())
        assert size < 16 * 1024, size  # was 65 x 4,000 characters (~330 KB) in one entry
        # the text itself is kept where it belongs, and the chain still verifies
        kept = session.exec(select(Score.explanation).where(Score.submission_id == sid)).all()
        assert set(kept) == {long_text[:4000].strip()}
        assert audit.verify(session, get_campaign(session, campaign)).ok


def test_evidence_added_per_hour_is_limited_with_retry_after(client, login, rt, sid) -> None:
    rt.settings.evidence_uploads_per_hour = 3
    for i in range(3):
        link = {"criterion": "1.1.1", "url": f"https://haiphong.gov.vn/van-ban/{i}"}
        assert (
            client.post(
                f"/api/v1/submissions/{sid}/evidence", json=link, headers=login(SGTVT_FOCAL)
            ).status_code
            == 201
        )
    r = upload(client, login, sid, PDF)
    assert r.status_code == 429, r.text
    assert (
        r.json()["code"] == "rate_limited" and "3 pieces of evidence in the past hour" in r.json()["detail"]
    )
    assert 1 <= int(r.headers["retry-after"]) <= 3600
    assert not [p for p in rt.settings.evidence_dir.rglob("*") if p.is_file()]
    listed = client.get(f"/api/v1/submissions/{sid}/evidence", headers=login(SGTVT_FOCAL)).json()
    assert len(listed) == 3


def test_total_size_per_submission_is_limited(client, login, rt, sid) -> None:
    rt.settings.evidence_max_bytes_per_submission = 2 * len(PDF) + 10
    assert upload(client, login, sid, PDF, criterion="1.1.1").status_code == 201
    assert upload(client, login, sid, PDF, criterion="1.1.2").status_code == 201
    r = upload(client, login, sid, PDF + b"%", criterion="1.1.3")
    assert r.status_code == 413, r.text
    assert r.json()["code"] == "too_large" and "allowed for one submission" in r.json()["detail"]
    files = [p for p in rt.settings.evidence_dir.rglob("*") if p.is_file()]
    assert len(files) == 1  # the two uploads share one stored file; the refused one left nothing


def test_files_nothing_refers_to_are_swept_and_shared_files_are_kept(client, login, rt, sid) -> None:
    other = submission_id(rt, "stp")
    mine = [upload(client, login, sid, PDF, criterion=c).json()["id"] for c in ("1.1.1", "1.1.2")]
    theirs = upload(client, login, other, PDF, who=STP_FOCAL).json()["id"]
    digest_only_here = upload(client, login, sid, PDF + b"%only", criterion="1.1.3").json()
    stored = blob_path(rt.settings.evidence_dir, digest_only_here["sha256"])
    shared = blob_path(rt.settings.evidence_dir, upload(client, login, sid, PDF).json()["sha256"])
    later = time.time() + GRACE + 60

    client.delete(f"/api/v1/submissions/{sid}/evidence/{digest_only_here['id']}", headers=login(SGTVT_FOCAL))
    assert sweep(rt).removed == 0 and stored.exists()  # within the grace period: kept
    assert sweep(rt, now=later).removed == 1 and not stored.exists()

    for eid in mine:
        client.delete(f"/api/v1/submissions/{sid}/evidence/{eid}", headers=login(SGTVT_FOCAL))
    assert sweep(rt, now=later).removed == 0 and shared.exists()  # another row (agency) still uses it
    assert (
        client.get(f"/api/v1/submissions/{other}/evidence/{theirs}", headers=login(STP_FOCAL)).status_code
        == 200
    )
