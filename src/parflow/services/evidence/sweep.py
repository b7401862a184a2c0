"""Removing evidence files nothing refers to any more.

The store is content-addressed and shared: one file may back rows of several submissions and
campaigns, so taking evidence back never deletes a file in the request (and a file must never be
deleted before the transaction that removed its last row has committed). Instead this sweep, run
hourly by the scheduler and by `parflow evidence sweep`, deletes each stored file whose hash no
`evidence` row names. A crash anywhere is harmless: until the sweep runs the file simply stays.

An upload stores its file before its row commits. Two things keep the sweep from deleting such a
file: `store()` refreshes the file's modification time under a shared lock on the store, and the
sweep deletes, under the exclusive lock, only files untouched for `GRACE` (an hour, far longer than
any transaction). Leftovers of crashed uploads and imports in `tmp/` go after a day.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import col, select

from parflow.services.common.runtime import Runtime
from parflow.services.evidence.store import store_lock
from parflow.store.models import Evidence

GRACE = 3600.0
TMP_GRACE = 24 * 3600.0
BATCH = 500
_SHA = re.compile(r"[0-9a-f]{64}")


@dataclass
class SweepReport:
    removed: int = 0
    freed_bytes: int = 0
    kept: int = 0
    leftovers: int = 0


def _stored(evidence_dir: Path) -> Iterator[Path]:
    if not evidence_dir.is_dir():
        return
    for folder in sorted(evidence_dir.iterdir()):
        if folder.is_dir() and len(folder.name) == 2:
            for blob in folder.iterdir():
                if _SHA.fullmatch(blob.name) and blob.name[:2] == folder.name:
                    yield blob


def _batches(paths: Iterator[Path]) -> Iterator[list[Path]]:
    batch: list[Path] = []
    for path in paths:
        batch.append(path)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def sweep(rt: Runtime, now: float | None = None) -> SweepReport:
    """Delete unreferenced evidence files older than GRACE; `now` is wall-clock seconds (mtimes
    are real time, not the campaign clock)."""
    moment = time.time() if now is None else now
    evidence_dir = rt.settings.evidence_dir
    report = SweepReport()
    for batch in _batches(_stored(evidence_dir)):
        with rt.db.read() as session:
            names = [p.name for p in batch]
            referenced = set(session.exec(select(Evidence.sha256).where(col(Evidence.sha256).in_(names))))
        report.kept += sum(1 for p in batch if p.name in referenced)
        orphans = [p for p in batch if p.name not in referenced]
        if not orphans:
            continue
        with store_lock(evidence_dir, exclusive=True):
            for blob in orphans:
                try:
                    info = blob.stat()
                except FileNotFoundError:
                    continue
                if moment - info.st_mtime < GRACE:
                    report.kept += 1  # perhaps an upload whose row is about to commit
                    continue
                blob.unlink(missing_ok=True)
                report.removed += 1
                report.freed_bytes += info.st_size
    tmp = evidence_dir / "tmp"
    if tmp.is_dir():
        for leftover in tmp.iterdir():
            try:
                if moment - leftover.stat().st_mtime < TMP_GRACE:
                    continue
            except FileNotFoundError:
                continue
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
            report.leftovers += 1
    return report
