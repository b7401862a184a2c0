"""`parflow import FILE`: restore a campaign from a backup (see backup_format) in one transaction.

Everything is checked before anything is kept: the archive must open, name our format and a
version we read, and its campaign must not exist in the target. Rows are then read member by
member and inserted in batches inside one write transaction, with ids moved through the maps of
old to new ids; each member's row count and SHA-256 must match the manifest, the restored audit
chain must verify (and each published snapshot must name an entry of it) — otherwise the
transaction rolls back and the database is as it was. Evidence files are checked against their
content address and staged beside the store during the transaction, and moved into place only
after the commit (the store is content-addressed, so a file already there is simply kept).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import uuid
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from parflow.services.backup.format import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    PART_NAMES,
    PARTS,
    Maps,
    decode_value,
    rewrite_context,
    rewrite_key,
    table,
)
from parflow.services.common import audit
from parflow.services.common.runtime import Runtime
from parflow.services.evidence.store import blob_path
from parflow.store import models as m

BATCH = 500


class BackupError(Exception):
    """A backup that cannot be imported; the message is one sentence for the operator."""


@dataclass
class ImportReport:
    campaign: str
    rows: dict[str, int] = field(default_factory=dict)
    people_reused: int = 0
    files: int = 0
    audit_entries: int = 0
    audit_head: str = ""


def import_campaign(rt: Runtime, path: Path) -> ImportReport:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError):
        raise BackupError(f"{path} is not a parflow backup, or it is damaged or incomplete") from None
    with archive:
        manifest = _manifest(archive, path)
        code = str(manifest["campaign"])
        with rt.db.read() as session:
            if session.exec(select(m.Campaign.id).where(m.Campaign.code == code)).first() is not None:
                raise BackupError(f"campaign {code} already exists in this database; nothing was imported")
        staging = rt.settings.evidence_dir / "tmp" / f"import-{uuid.uuid4().hex}"
        try:
            report = rt.db.run(lambda s: _restore(s, archive, manifest, staging), attempts=1)
            report.files = _place_files(staging, rt.settings.evidence_dir)
        finally:
            _remove(staging)
    return report


def _manifest(archive: zipfile.ZipFile, path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise BackupError(f"{path} is not a parflow backup (it has no {MANIFEST})") from None
    except (zipfile.BadZipFile, zlib.error, ValueError, EOFError):
        raise BackupError(f"{path} is damaged: its manifest cannot be read") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a parflow campaign backup")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise BackupError(
            f"{path} is a backup in format version {version}; this parflow reads version {FORMAT_VERSION}"
        )
    tables = manifest.get("tables")
    if not isinstance(tables, dict) or set(tables) != set(PART_NAMES) or not manifest.get("campaign"):
        raise BackupError(f"{path} is damaged: its manifest does not list the tables of a campaign")
    return manifest


def _restore(
    session: Session, archive: zipfile.ZipFile, manifest: dict[str, Any], staging: Path
) -> ImportReport:
    report = ImportReport(str(manifest["campaign"]))
    conn = session.connection()
    # checked again inside the transaction: another import may have won the race meanwhile
    if session.exec(select(m.Campaign.id).where(m.Campaign.code == report.campaign)).first() is not None:
        raise BackupError(f"campaign {report.campaign} already exists in this database; nothing was imported")
    maps: Maps = {}
    for part in PARTS:
        t = table(part.model)
        expected = manifest["tables"][part.name]
        count = 0
        for batch in _batches(archive, part.name, expected):
            rows = [_decode(t, raw, maps) for raw in batch]
            if part.name == "person":
                rows = _known_people(conn, rows, maps, report)
            elif part.name == "notification":
                for row in rows:
                    row["key"] = rewrite_key(row["key"], maps)
                    row["context"] = rewrite_context(row["context"], maps)
            _insert(conn, t, rows, maps)
            count += len(batch)
        report.rows[part.name] = count
    campaign = session.exec(select(m.Campaign).where(m.Campaign.code == report.campaign)).one()
    chain = audit.verify(session, campaign)
    if chain.broken_seq is not None:
        raise BackupError(
            f"the audit chain in the backup is broken at entry {chain.broken_seq}: {chain.reason}; "
            "nothing was imported"
        )
    for problem in chain.snapshot_problems:
        raise BackupError(f"{problem}; nothing was imported")
    report.audit_entries, report.audit_head = chain.checked, chain.head_hash
    _stage_files(archive, manifest, staging)
    return report


def _batches(archive: zipfile.ZipFile, name: str, expected: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    """The member's rows in batches; its count and hash must match the manifest, else BackupError."""
    digest = hashlib.sha256()
    count = 0
    batch: list[dict[str, Any]] = []
    try:
        with archive.open(f"tables/{name}.jsonl") as member:
            for line in io.BufferedReader(member):  # type: ignore[arg-type]
                digest.update(line)
                batch.append(json.loads(line))
                count += 1
                if len(batch) == BATCH:
                    yield batch
                    batch = []
    except KeyError:
        raise BackupError(f"the backup is damaged: the table {name} is missing") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError):
        raise BackupError(f"the backup is damaged: the table {name} cannot be read") from None
    if count != expected.get("rows") or digest.hexdigest() != expected.get("sha256"):
        raise BackupError(f"the backup is damaged: the table {name} does not match its manifest")
    if batch:
        yield batch


def _decode(t: sa.Table, raw: dict[str, Any], maps: Maps) -> dict[str, Any]:
    unknown = set(raw) - set(t.c.keys())
    if unknown:
        raise BackupError(
            f"the backup has columns this database does not know ({t.name}: {', '.join(sorted(unknown))}); "
            "upgrade parflow and the database first"
        )
    row = {name: decode_value(t.c[name], value) for name, value in raw.items()}
    row["_old_id"] = row.get("id")
    for fk in t.foreign_keys:
        name = fk.parent.name
        if row.get(name) is None:
            continue
        target = fk.column.table.name
        try:
            row[name] = maps[target][row[name]]
        except KeyError:
            raise BackupError(
                f"the backup is damaged: {t.name} refers to {target} {row[name]}, which it does not contain"
            ) from None
    return row


def _known_people(
    conn: sa.Connection, rows: list[dict[str, Any]], maps: Maps, report: ImportReport
) -> list[dict[str, Any]]:
    """People are global: one the target already knows (by e-mail) keeps the target's row as it is."""
    person = table(m.Person)
    emails = [r["email"] for r in rows]
    existing = dict(
        conn.execute(sa.select(person.c.email, person.c.id).where(person.c.email.in_(emails))).tuples().all()
    )
    fresh = []
    for row in rows:
        if row["email"] in existing:
            maps.setdefault("person", {})[row["_old_id"]] = existing[row["email"]]
            report.people_reused += 1
        else:
            fresh.append(row)
    return fresh


def _insert(conn: sa.Connection, t: sa.Table, rows: list[dict[str, Any]], maps: Maps) -> None:
    if not rows:
        return
    olds = [row.pop("_old_id") for row in rows]
    if "id" not in t.c:  # audit_head: keyed by its campaign
        conn.execute(t.insert(), rows)
        return
    for row in rows:
        row.pop("id", None)
    new_ids = conn.execute(t.insert().returning(t.c.id, sort_by_parameter_order=True), rows).scalars().all()
    maps.setdefault(t.name, {}).update(zip(olds, new_ids, strict=True))


def _stage_files(archive: zipfile.ZipFile, manifest: dict[str, Any], staging: Path) -> None:
    listed = manifest.get("evidence", {}).get("files", [])
    if listed:
        staging.mkdir(parents=True, exist_ok=True)
    for sha in listed:
        digest = hashlib.sha256()
        target = staging / sha
        try:
            with archive.open(f"evidence/{sha}") as member, target.open("wb") as out:
                while chunk := member.read(1024 * 1024):
                    digest.update(chunk)
                    out.write(chunk)
        except KeyError:
            raise BackupError(f"the backup is damaged: the evidence file {sha} is missing") from None
        except (zipfile.BadZipFile, zlib.error, EOFError):
            raise BackupError(f"the backup is damaged: the evidence file {sha} cannot be read") from None
        if digest.hexdigest() != sha:
            raise BackupError(f"the backup is damaged: the evidence file {sha} does not match its content")


def _place_files(staging: Path, evidence_dir: Path) -> int:
    if not staging.is_dir():
        return 0
    placed = 0
    for staged in staging.iterdir():
        target = blob_path(evidence_dir, staged.name)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, target)
        placed += 1
    return placed


def _remove(staging: Path) -> None:
    if staging.is_dir():
        for leftover in staging.iterdir():
            leftover.unlink(missing_ok=True)
        staging.rmdir()
