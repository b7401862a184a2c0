"""Evidence files on disk, addressed by content: `<evidence_dir>/<sha[:2]>/<sha256>`.

A file is streamed into a temporary file beside the store while its hash and size are computed, so
a 20 MB upload never sits in memory; once complete it is renamed to its content address. The same
content uploaded twice (by two agencies, or twice by one) is stored once. The client's file name is
never used on disk.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from parflow.domain.errors import TooLarge

HEAD_BYTES = 8192


@dataclass(frozen=True)
class Received:
    """A complete upload in its temporary file, not yet in the store."""

    path: Path
    sha256: str
    size: int
    head: bytes


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    path: Path
    created: bool  # False when the same content was already stored


def blob_path(evidence_dir: Path, sha256: str) -> Path:
    return evidence_dir / sha256[:2] / sha256


def human_size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):g} MB"
    if limit >= 1024:
        return f"{limit / 1024:g} KB"
    return f"{limit} B"


class BlobWriter:
    """Write chunks to a temporary file, hashing as they come; refuse beyond `max_bytes`."""

    def __init__(self, evidence_dir: Path, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        tmp_dir = evidence_dir / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        self.path = tmp_dir / f"{uuid.uuid4().hex}.part"
        self._file: BinaryIO | None = open(self.path, "wb")  # noqa: SIM115 (closed in finish/abort)
        self._hash = hashlib.sha256()
        self._size = 0
        self._head = bytearray()

    def write(self, chunk: bytes) -> None:
        assert self._file is not None
        self._size += len(chunk)
        if self._size > self.max_bytes:
            self.abort()
            raise TooLarge("evidence.too_large", limit=human_size(self.max_bytes))
        if len(self._head) < HEAD_BYTES:
            self._head.extend(chunk[: HEAD_BYTES - len(self._head)])
        self._hash.update(chunk)
        self._file.write(chunk)

    def finish(self) -> Received:
        assert self._file is not None
        self._file.close()
        self._file = None
        return Received(self.path, self._hash.hexdigest(), self._size, bytes(self._head))

    def abort(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self.path.unlink(missing_ok=True)


@contextmanager
def store_lock(evidence_dir: Path, *, exclusive: bool) -> Iterator[None]:
    """Shared while a file is put in the store, exclusive while the sweep deletes (services/evidence
    /sweep.py): a file being re-used by an upload is never deleted under it. flock on the store's
    folder itself, so web workers and the scheduler (separate processes on one machine) agree and
    no lock file sits among the evidence."""
    evidence_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(evidence_dir, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def store(evidence_dir: Path, received: Received) -> Stored:
    target = blob_path(evidence_dir, received.sha256)
    with store_lock(evidence_dir, exclusive=False):
        if target.exists():
            # the file may be unreferenced and waiting for the sweep: a fresh time keeps it
            os.utime(target)
            received.path.unlink(missing_ok=True)
            return Stored(received.sha256, received.size, target, created=False)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(received.path, target)  # atomic: a reader never sees half a file
        os.utime(target)  # the upload's temporary file may be older than the sweep's grace
        return Stored(received.sha256, received.size, target, created=True)
