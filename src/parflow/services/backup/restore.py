"""`parflow import FILE`: restore a campaign from a backup (see backup_format) in one transaction.

Everything is checked before anything is kept: the archive must open, name our format and a
version we read, and its campaign must not exist in the target. Rows are then read member by
member and inserted in batches inside one write transaction, with ids moved through the maps of
old to new ids; each member's row count and SHA-256 must match the manifest, the restored audit
chain must verify (and each published snapshot must name an entry of it) — otherwise the
transaction rolls back and the database is as it was. Evidence files are checked against their
content address and staged beside the store during the transaction, and moved into place only
after the commit (the store is content-addressed, so a file already there is simply kept).

A backup file comes from outside and is read as hostile until proven otherwise (see
docs/security.md): its central directory is counted before `zipfile` builds an object per entry,
every member must be one the format has (`manifest.json`, `tables/<table>.jsonl`,
`evidence/<sha256>`), an evidence file's name must be exactly a SHA-256, so the only place it can be
written is a file named by that hash inside the staging folder, and it is written under a temporary
name and renamed only once its content matches. Every member is read as a stream with a ceiling
(the manifest, each row, each evidence file), so a small archive that expands to gigabytes is
refused after at most the ceiling, never held in memory.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
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
from parflow.services.common import audit, zipcheck
from parflow.services.common.runtime import Runtime
from parflow.services.evidence.store import blob_path, store_lock
from parflow.store import models as m

BATCH = 500
BATCH_BYTES = 8 * 1024 * 1024  # a batch of rows is inserted once it holds this much text
MAX_MANIFEST_BYTES = 16 * 1024 * 1024  # 100,000 evidence files list in about 7 MB
MAX_ROW_BYTES = 16 * 1024 * 1024  # one row as JSON (the largest are audit entries)
MAX_EVIDENCE_FILES = 200_000
CHUNK = 1024 * 1024
SHA256_NAME = re.compile(r"[0-9a-f]{64}")


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
    members = _members(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError):
        raise BackupError(f"{path} is not a parflow backup, or it is damaged or incomplete") from None
    with archive:
        manifest = _manifest(archive, path)
        _check_evidence_listing(manifest, members, rt.settings.evidence_max_bytes)
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


def _members(path: Path) -> dict[str, zipcheck.Entry]:
    """The archive's members by name, from its central directory, before `zipfile` reads it:
    at most one per table, the manifest and one per evidence file, each a name the format has."""
    limit = 1 + len(PARTS) + MAX_EVIDENCE_FILES
    try:
        found = zipcheck.entries(path, limit)
    except zipcheck.NotAZip:
        raise BackupError(f"{path} is not a parflow backup, or it is damaged or incomplete") from None
    except zipcheck.TooManyEntries:
        raise BackupError(
            f"{path} holds more files than a campaign backup can hold ({MAX_EVIDENCE_FILES:,} evidence "
            "files); nothing was imported"
        ) from None
    allowed_tables = {f"tables/{name}.jsonl" for name in PART_NAMES}
    members: dict[str, zipcheck.Entry] = {}
    for entry in found:
        name = entry.name
        evidence = name.startswith("evidence/") and SHA256_NAME.fullmatch(name.removeprefix("evidence/"))
        if name in members or not (name == MANIFEST or name in allowed_tables or evidence):
            raise BackupError(
                f"{path} holds a file that is not part of a parflow backup ({name[:100]!r}); "
                "nothing was imported"
            )
        members[name] = entry
    return members


def _check_evidence_listing(
    manifest: dict[str, Any], members: dict[str, zipcheck.Entry], max_bytes: int
) -> None:
    """Every evidence name the manifest lists is a content hash whose member is in the archive,
    and no member expands beyond what the store could ever have accepted."""
    evidence = manifest.get("evidence", {})
    listed = evidence.get("files", []) if isinstance(evidence, dict) else None
    if not isinstance(listed, list):
        raise BackupError("the backup is damaged: its manifest does not list the evidence files")
    for sha in listed:
        if not isinstance(sha, str) or not SHA256_NAME.fullmatch(sha):
            raise BackupError(
                f"the backup is damaged: {str(sha)[:100]!r} is not the name of an evidence file "
                "(a SHA-256 in hexadecimal); nothing was imported"
            )
        entry = members.get(f"evidence/{sha}")
        if entry is None:
            raise BackupError(f"the backup is damaged: the evidence file {sha} is missing")
        # stored (as export writes them) evidence costs on disk what it costs in the archive; a
        # compressed member may expand only to what an upload may be
        if entry.size > entry.compressed + CHUNK and entry.size > max_bytes:
            raise BackupError(
                f"the backup is damaged: the evidence file {sha} expands to {entry.size:,} bytes, "
                f"more than an evidence file may be ({max_bytes:,}); nothing was imported"
            )
    if len(set(listed)) != len(listed):
        raise BackupError("the backup is damaged: its manifest lists an evidence file twice")


def _read_capped(member: io.BufferedIOBase, limit: int) -> bytes | None:
    """The member's content, or None when it is longer than `limit` (read no further than that)."""
    data = member.read(limit + 1)
    return None if len(data) > limit else data


def _manifest(archive: zipfile.ZipFile, path: Path) -> dict[str, Any]:
    try:
        with archive.open(MANIFEST) as member:
            text = _read_capped(member, MAX_MANIFEST_BYTES)  # type: ignore[arg-type]
        if text is None:
            raise BackupError(
                f"{path} is damaged: its manifest is larger than {MAX_MANIFEST_BYTES // (1024 * 1024)} MB "
                "once unpacked; nothing was imported"
            )
        manifest = json.loads(text)
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
    batch_bytes = 0
    try:
        with archive.open(f"tables/{name}.jsonl") as member:
            reader = io.BufferedReader(member)  # type: ignore[arg-type]
            # readline with a limit: a "row" of 300 MB is refused after MAX_ROW_BYTES, not buffered
            while line := reader.readline(MAX_ROW_BYTES + 1):
                if len(line) > MAX_ROW_BYTES:
                    raise BackupError(
                        f"the backup is damaged: a row of the table {name} is larger than "
                        f"{MAX_ROW_BYTES // (1024 * 1024)} MB; nothing was imported"
                    )
                digest.update(line)
                batch.append(json.loads(line))
                count += 1
                batch_bytes += len(line)
                if len(batch) == BATCH or batch_bytes >= BATCH_BYTES:
                    yield batch
                    batch = []
                    batch_bytes = 0
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
        conn.execute(sa.select(person.c.email, person.c.id).where(person.c.email.in_(emails))).all()
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
    listed = manifest.get("evidence", {}).get("files", [])  # its shape was checked on opening
    if listed:
        staging.mkdir(parents=True, exist_ok=True)
    for sha in listed:
        # checked in _check_evidence_listing; checked again here because this is where a name
        # becomes a path, and a path outside the staging folder must be impossible by construction
        if not SHA256_NAME.fullmatch(sha):
            raise BackupError(f"the backup is damaged: {sha[:100]!r} is not the name of an evidence file")
        digest = hashlib.sha256()
        partial = staging / f"{uuid.uuid4().hex}.part"
        try:
            with archive.open(f"evidence/{sha}") as member, partial.open("xb") as out:
                while chunk := member.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
        except KeyError:
            raise BackupError(f"the backup is damaged: the evidence file {sha} is missing") from None
        except (zipfile.BadZipFile, zlib.error, EOFError):
            raise BackupError(f"the backup is damaged: the evidence file {sha} cannot be read") from None
        finally:
            if digest.hexdigest() != sha:
                partial.unlink(missing_ok=True)
        if digest.hexdigest() != sha:
            raise BackupError(f"the backup is damaged: the evidence file {sha} does not match its content")
        os.replace(partial, staging / sha)  # only a verified file gets its content address


def _place_files(staging: Path, evidence_dir: Path) -> int:
    if not staging.is_dir():
        return 0
    placed = 0
    for staged in staging.iterdir():
        if not SHA256_NAME.fullmatch(staged.name):
            continue  # a leftover partial file: removed with the staging folder
        target = blob_path(evidence_dir, staged.name)
        with store_lock(evidence_dir, exclusive=False):
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged, target)
        placed += 1
    return placed


def _remove(staging: Path) -> None:
    # whatever the import wrote lives in this one folder: removing it removes all of it
    shutil.rmtree(staging, ignore_errors=True)
