"""A backup that cannot be imported is refused with one line and exit status 1, and the target
database is left exactly as it was: the campaign already exists, the file is not a zip, is cut
short, has a damaged byte, is in another format version, or carries an audit chain that was
edited (even with the manifest's checksums recomputed to match)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import SQLModel

from tests.backup.conftest import Side, parflow


def counts(target: Side) -> dict[str, int]:
    with target.rt.db.engine.connect() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in SQLModel.metadata.sorted_tables
        }


def refused(target: Side, path: Path, expected: str) -> None:
    before = counts(target)
    result = parflow(target, "import", str(path))
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1 and expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert counts(target) == before


def rewrite(path: Path, out: Path, change: Callable[[str, bytes], bytes]) -> Path:
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            dst.writestr(name, change(name, src.read(name)))
    return out


def test_import_into_a_database_that_has_the_campaign(backup: Path, sqlite_side: Side) -> None:
    first = parflow(sqlite_side, "import", str(backup))
    assert first.returncode == 0, first.stderr
    assert "audit chain verified (4 entries" in first.stdout
    refused(sqlite_side, backup, "campaign mini-2021 already exists in this database; nothing was imported")


def test_not_a_backup(tmp_path: Path, sqlite_side: Side) -> None:
    junk = tmp_path / "notes.zip"
    junk.write_text("không phải tệp sao lưu")
    refused(sqlite_side, junk, "is not a parflow backup, or it is damaged or incomplete")


def test_truncated_file(backup: Path, tmp_path: Path, sqlite_side: Side) -> None:
    cut = tmp_path / "cut.zip"
    data = backup.read_bytes()
    for length in (len(data) // 2, len(data) - 30):
        cut.write_bytes(data[:length])
        refused(sqlite_side, cut, "damaged")


def test_damaged_byte_in_a_table(backup: Path, tmp_path: Path, sqlite_side: Side) -> None:
    with zipfile.ZipFile(backup) as archive:
        info = archive.getinfo("tables/audit_entry.jsonl")
    data = bytearray(backup.read_bytes())
    middle = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    data[middle] ^= 0xFF
    bad = tmp_path / "bad.zip"
    bad.write_bytes(bytes(data))
    refused(sqlite_side, bad, "the table audit_entry cannot be read")


def test_other_format_version(backup: Path, tmp_path: Path, sqlite_side: Side) -> None:
    def newer(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        return json.dumps({**json.loads(data), "format_version": 2}).encode()

    refused(
        sqlite_side,
        rewrite(backup, tmp_path / "v2.zip", newer),
        "is a backup in format version 2; this parflow reads version 1",
    )


def test_edited_audit_entry_with_matching_checksums(backup: Path, tmp_path: Path, sqlite_side: Side) -> None:
    with zipfile.ZipFile(backup) as archive:
        lines = archive.read("tables/audit_entry.jsonl").decode().splitlines(keepends=True)
    entry = json.loads(lines[2])
    entry["comment"] = "không thiếu gì"
    lines[2] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
    forged = "".join(lines).encode()

    def forge(name: str, data: bytes) -> bytes:
        if name == "tables/audit_entry.jsonl":
            return forged
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["tables"]["audit_entry"]["sha256"] = hashlib.sha256(forged).hexdigest()
            return json.dumps(manifest).encode()
        return data

    refused(
        sqlite_side,
        rewrite(backup, tmp_path / "forged.zip", forge),
        "the audit chain in the backup is broken at entry 3: its content was changed after it was written",
    )


def test_export_of_an_unknown_campaign_or_into_a_folder(sqlite_side: Side, tmp_path: Path) -> None:
    unknown = parflow(sqlite_side, "export", "khong-co", str(tmp_path / "x.zip"))
    assert unknown.returncode == 1 and unknown.stderr.count("\n") == 1 and "khong-co" in unknown.stderr
    assert not (tmp_path / "x.zip").exists() and not (tmp_path / "x.zip.part").exists()
    folder = parflow(sqlite_side, "export", "khong-co", str(tmp_path))
    assert folder.returncode == 1 and "is a folder" in folder.stderr
