"""`parflow export CAMPAIGN FILE`: write a whole campaign to one zip file (see backup_format).

Rows are streamed from the database into the archive table by table (`yield_per`), so memory does
not grow with the campaign. The whole export reads one snapshot of the database (REPEATABLE READ
on PostgreSQL; on SQLite a read transaction sees one snapshot in WAL mode), so a season being
worked on meanwhile still yields a consistent file. The file is written beside its final name and
renamed when complete: a failed export never leaves a half file that looks like a backup. The file
is created with mode 0600 (owner only): it holds password hashes and evidence.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from parflow.services.backup.format import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    PARTS,
    encode_row,
    people_of,
    table,
)
from parflow.services.common.lookups import get_campaign
from parflow.services.common.runtime import Runtime
from parflow.services.evidence.store import blob_path
from parflow.store import models as m
from parflow.store.migrate import current_revision

BATCH = 1000


@dataclass
class ExportReport:
    campaign: str
    path: Path
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    missing_files: list[str] = field(default_factory=list)


def export_campaign(rt: Runtime, code: str, path: Path) -> ExportReport:
    report = ExportReport(code, path)
    partial = path.with_name(path.name + ".part")
    revision = current_revision(rt.db)
    try:
        _create_private(partial)
        with rt.db.read() as session:
            if not rt.db.is_sqlite:
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            campaign = get_campaign(session, code)
            cid = campaign.id or 0
            conn = session.connection()
            tables: dict[str, dict[str, Any]] = {}
            with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for part in PARTS:
                    t = table(part.model)
                    where = t.c.id.in_(people_of(cid)) if part.where is None else part.where(cid)
                    order = list(t.primary_key.columns)
                    query = sa.select(t).where(where).order_by(*order).execution_options(yield_per=BATCH)
                    digest = hashlib.sha256()
                    count = 0
                    with archive.open(f"tables/{part.name}.jsonl", "w", force_zip64=True) as member:
                        for row in conn.execute(query).mappings():
                            line = encode_row(dict(row))
                            digest.update(line)
                            member.write(line)
                            count += 1
                    tables[part.name] = {"rows": count, "sha256": digest.hexdigest()}
                    report.rows[part.name] = count
                files = _add_evidence(rt, conn, cid, archive, report)
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "campaign": code,
                    "exported_at": rt.clock.now().isoformat(),
                    "schema_revision": revision,
                    "source": "postgresql" if not rt.db.is_sqlite else "sqlite",
                    "tables": tables,
                    "evidence": files,
                }
                archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return report


def _create_private(path: Path) -> None:
    """Create the file readable by its owner only, before a byte is written: a backup holds
    password hashes and every agency's evidence."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _add_evidence(
    rt: Runtime, conn: sa.Connection, cid: int, archive: zipfile.ZipFile, report: ExportReport
) -> dict[str, Any]:
    """Each distinct stored file of the campaign's evidence, once (the store is content-addressed)."""
    ev = table(m.Evidence)
    sub = table(m.Submission)
    hashes = conn.execute(
        sa.select(ev.c.sha256)
        .distinct()
        .where(
            ev.c.sha256.is_not(None),
            ev.c.submission_id.in_(sa.select(sub.c.id).where(sub.c.campaign_id == cid)),
        )
        .order_by(ev.c.sha256)
    ).scalars()
    listed: list[str] = []
    for sha in hashes:
        source = blob_path(rt.settings.evidence_dir, sha)
        if not source.is_file():
            report.missing_files.append(sha)
            continue
        # evidence is mostly PDF and Office files, already compressed
        info = zipfile.ZipInfo(f"evidence/{sha}")
        info.compress_type = zipfile.ZIP_STORED
        with source.open("rb") as blob, archive.open(info, "w", force_zip64=True) as member:
            shutil.copyfileobj(blob, member, 1024 * 1024)
        listed.append(sha)
    report.files = len(listed)
    return {"files": listed, "missing": report.missing_files}
