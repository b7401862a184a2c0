"""What a zip file claims to hold, read from its central directory without building a ZipFile.

`zipfile.ZipFile` reads the whole central directory into one `ZipInfo` object per entry before
anyone can look at the count: 225,000 entries cost seconds and 120 MB. Here the end-of-central-
directory record (and its zip64 form) is read from the tail of the file, then the directory is
walked record by record, stopping as soon as a limit is passed, so a crafted archive is refused
having cost a few kilobytes. Used for evidence files (Office and OpenDocument files are zip
archives) and for backup files.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_LOCATOR_SIZE = 20
_ZIP64_EOCD = b"PK\x06\x06"
_ZIP64_EOCD_SIZE = 56
_CENTRAL = b"PK\x01\x02"
_CENTRAL_SIZE = 46
_MAX_COMMENT = 0xFFFF


@dataclass(frozen=True)
class Entry:
    name: str
    compressed: int
    size: int  # the declared size once decompressed
    method: int  # 0 stored, 8 deflated


class NotAZip(Exception):
    """No central directory where a zip file has one."""


class TooManyEntries(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def _directory_bounds(f: BinaryIO, file_size: int) -> tuple[int, int, int]:
    """(entry count, directory size, directory offset) from the end record."""
    tail_len = min(file_size, _EOCD_SIZE + _MAX_COMMENT)
    f.seek(file_size - tail_len)
    tail = f.read(tail_len)
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < _EOCD_SIZE:
        raise NotAZip
    _sig, _disk, _cd_disk, _n_disk, count, cd_size, cd_offset, _comment = struct.unpack(
        "<4s4H2LH", tail[at : at + _EOCD_SIZE]
    )
    if count == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
        eocd_pos = file_size - tail_len + at
        if eocd_pos < _ZIP64_LOCATOR_SIZE:
            raise NotAZip
        f.seek(eocd_pos - _ZIP64_LOCATOR_SIZE)
        locator = f.read(_ZIP64_LOCATOR_SIZE)
        if locator[:4] == _ZIP64_LOCATOR:
            _sig, _disk, record_at, _disks = struct.unpack("<4sLQL", locator)
            f.seek(record_at)
            record = f.read(_ZIP64_EOCD_SIZE)
            if len(record) < _ZIP64_EOCD_SIZE or record[:4] != _ZIP64_EOCD:
                raise NotAZip
            _sig, _size, _made, _need, _disk, _cd_disk, _n_disk, count, cd_size, cd_offset = struct.unpack(
                "<4sQ2H2L4Q", record
            )
    if cd_offset + cd_size > file_size:
        raise NotAZip
    return count, cd_size, cd_offset


def _zip64_sizes(extra: bytes, size: int, compressed: int) -> tuple[int, int]:
    # the zip64 extra field holds, in this order, only the sizes whose 32-bit field is 0xFFFFFFFF
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, pos)
        body = extra[pos + 4 : pos + 4 + length]
        if tag == 0x0001:
            values = [struct.unpack_from("<Q", body, i)[0] for i in range(0, len(body) - 7, 8)]
            if size == 0xFFFFFFFF and values:
                size = values.pop(0)
            if compressed == 0xFFFFFFFF and values:
                compressed = values.pop(0)
            break
        pos += 4 + length
    return size, compressed


def entries(path: Path, max_entries: int) -> list[Entry]:
    """The entries of the zip file at `path`; TooManyEntries past `max_entries`, NotAZip when
    there is no readable central directory. Reads at most `max_entries` directory records."""
    with open(path, "rb") as f:
        file_size = f.seek(0, 2)
        count, cd_size, cd_offset = _directory_bounds(f, file_size)
        # the count in the end record is only a claim (zipfile ignores it and reads the directory
        # to its declared size), so the records themselves are counted too
        if count > max_entries:
            raise TooManyEntries(max_entries)
        f.seek(cd_offset)
        found: list[Entry] = []
        read = 0
        while read < cd_size:
            if len(found) >= max_entries:
                raise TooManyEntries(max_entries)
            fixed = f.read(_CENTRAL_SIZE)
            if len(fixed) < _CENTRAL_SIZE or fixed[:4] != _CENTRAL:
                raise NotAZip
            flags, method, compressed, size, name_len, extra_len, comment_len = struct.unpack_from(
                "<HH8xLL3H", fixed, 8
            )
            name = f.read(name_len)
            extra = f.read(extra_len)
            f.seek(comment_len, 1)
            size, compressed = _zip64_sizes(extra, size, compressed)
            encoding = "utf-8" if flags & 0x800 else "cp437"  # as zipfile decodes names
            found.append(Entry(name.decode(encoding, "replace"), compressed, size, method))
            read += _CENTRAL_SIZE + name_len + extra_len + comment_len
        return found
