"""A crafted backup is refused without writing anywhere, and without costing memory: evidence names
that are not a content hash (`../`, absolute paths), a file whose content does not match its name,
members the format does not have, a manifest or a row that expands to hundreds of megabytes, more
members than a campaign can have."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from parflow.services.backup import restore
from parflow.settings import PROJECT_ROOT
from tests.backup.conftest import PARFLOW, Side
from tests.backup.test_backup_refusals import refused  # the export every refusal starts from

MB = 1024 * 1024


def crafted(
    original: Path,
    out: Path,
    *,
    manifest: Callable[[dict], dict] | None = None,
    members: dict[str, bytes] | None = None,
) -> Path:
    """The backup with its manifest changed and members added (written after the real ones)."""
    with zipfile.ZipFile(original) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "manifest.json" and manifest is not None:
                data = json.dumps(manifest(json.loads(data))).encode()
            dst.writestr(name, data)
        for name, data in (members or {}).items():
            dst.writestr(name, data)
    return out


def listing(files: list[str]) -> Callable[[dict], dict]:
    def change(m: dict) -> dict:
        return {**m, "evidence": {"files": files, "missing": []}}

    return change


def left_in_store(side: Side) -> list[Path]:
    return [p for p in side.data_dir.rglob("*") if p.is_file()] if side.data_dir.exists() else []


@pytest.mark.parametrize("kind", ["relative", "absolute"])
@pytest.mark.parametrize(
    ("with_member", "expected"),
    [
        (True, "holds a file that is not part of a parflow backup"),
        (False, "is not the name of an evidence file"),
    ],
    ids=["member", "manifest-only"],
)
def test_evidence_name_outside_the_store_is_refused(
    kind: str,
    with_member: bool,
    expected: str,
    backup: Path,
    tmp_path: Path,
    sqlite_side: Side,
) -> None:
    payload = b"import os; os.system('touch /tmp/parflow-owned')\n"
    victim = tmp_path / "site-packages" / "evil.pth"
    victim.parent.mkdir()
    name = str(victim) if kind == "absolute" else "../../../../../site-packages/evil.pth"
    path = crafted(
        backup,
        tmp_path / "evil.zip",
        manifest=listing([name]),
        members={f"evidence/{name}": payload} if with_member else {},
    )
    # from the target's evidence store (data/evidence/tmp/import-x/) up five folders is tmp_path
    assert (sqlite_side.data_dir / "evidence" / "tmp" / "import-x" / name).resolve() == victim.resolve()
    before = left_in_store(sqlite_side)
    refused(sqlite_side, path, expected)
    assert not victim.exists()
    assert left_in_store(sqlite_side) == before


def test_evidence_that_does_not_match_its_name_leaves_nothing(
    backup: Path,
    tmp_path: Path,
    sqlite_side: Side,
) -> None:
    wrong = hashlib.sha256(b"something else").hexdigest()
    path = crafted(
        backup,
        tmp_path / "wrong.zip",
        manifest=listing([wrong]),
        members={f"evidence/{wrong}": b"%PDF-1.4 not what the name says"},
    )
    before = left_in_store(sqlite_side)
    refused(sqlite_side, path, f"the evidence file {wrong} does not match its content")
    assert left_in_store(sqlite_side) == before


def test_member_the_format_does_not_have(backup: Path, tmp_path: Path, sqlite_side: Side) -> None:
    path = crafted(backup, tmp_path / "extra.zip", members={"../../outside.txt": b"x"})
    refused(sqlite_side, path, "holds a file that is not part of a parflow backup")


def _padded_manifest(original: Path, out: Path, size: int) -> Path:
    """The manifest followed by `size` bytes of spaces (still valid JSON): a tiny compressed member."""
    with zipfile.ZipFile(original) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            if name != "manifest.json":
                dst.writestr(name, src.read(name))
        with dst.open("manifest.json", "w", force_zip64=True) as member:
            member.write(src.read("manifest.json"))
            for _ in range(size // MB):
                member.write(b" " * MB)
    return out


def peak_rss_mb(side: Side, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run `parflow *args` from a fresh interpreter that reports its child's peak memory."""
    probe = (
        "import resource, subprocess, sys\n"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stdout.write(r.stdout); sys.stderr.write(r.stderr)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stdout)\n"
        "sys.exit(r.returncode)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, *PARFLOW, *args],
        capture_output=True,
        text=True,
        env=side.env,
        cwd=PROJECT_ROOT,
        timeout=300,
    )
    *_, last = done.stdout.strip().splitlines()
    return done, int(last) / 1024


def test_manifest_that_expands_to_a_hundred_megabytes(
    backup: Path,
    tmp_path: Path,
    sqlite_side: Side,
) -> None:
    path = _padded_manifest(backup, tmp_path / "bomb.zip", 100 * MB)
    assert path.stat().st_size < 1 * MB
    done, peak = peak_rss_mb(sqlite_side, "import", str(path))
    assert done.returncode == 1 and "manifest is larger than" in done.stderr, done.stderr
    assert peak < 150, f"{peak:.0f} MB"  # an idle parflow command is about 90 MB


def test_row_that_expands_to_a_hundred_megabytes(
    backup: Path,
    tmp_path: Path,
    sqlite_side: Side,
) -> None:
    out = tmp_path / "row.zip"
    with zipfile.ZipFile(backup) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            if name != "tables/campaign.jsonl":
                dst.writestr(name, src.read(name))
        with dst.open("tables/campaign.jsonl", "w", force_zip64=True) as member:
            member.write(b'{"title": "')
            for _ in range(100):
                member.write(b"a" * MB)
            member.write(b'"}\n')
    done, peak = peak_rss_mb(sqlite_side, "import", str(tmp_path / "row.zip"))
    assert done.returncode == 1 and "a row of the table campaign is larger than" in done.stderr, done.stderr
    assert peak < 150, f"{peak:.0f} MB"


def test_more_members_than_a_campaign_has(
    backup: Path,
    tmp_path: Path,
    sqlite_side: Side,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(restore, "MAX_EVIDENCE_FILES", 10)
    names = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(11)]
    path = crafted(
        backup,
        tmp_path / "many.zip",
        manifest=listing(names),
        members={f"evidence/{n}": b"" for n in names},
    )
    with pytest.raises(restore.BackupError, match="more files than a campaign backup can hold"):
        restore.import_campaign(sqlite_side.rt, path)
