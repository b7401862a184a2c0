"""What an evidence file really is, judged by its content (magic bytes), never by its name.

Accepted: PDF; Word, Excel and PowerPoint (legacy OLE2 and OOXML, macro-free); OpenDocument text,
spreadsheet and presentation; PNG, JPEG, TIFF, GIF and WebP images — what agencies attach as
tài liệu kiểm chứng (signed decisions, scanned reports, spreadsheets of figures, photos).
Anything else (executables, archives, HTML, macro-enabled documents) is refused.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from parflow.domain.errors import Invalid
from parflow.services.common import zipcheck

# A Word or Excel file holds tens to a few thousand parts; 225,000 is a zip bomb that costs
# seconds and 120 MB to open with zipfile, so the count is read from the central directory first.
MAX_ZIP_ENTRIES = 10_000
# What the parts claim to unpack to: far beyond any real document at this upload size.
MAX_ZIP_UNPACKED = 1024 * 1024 * 1024


@dataclass(frozen=True)
class Kind:
    media_type: str
    extension: str
    label: str


PDF = Kind("application/pdf", "pdf", "PDF")
PNG = Kind("image/png", "png", "PNG")
JPEG = Kind("image/jpeg", "jpg", "JPEG")
TIFF = Kind("image/tiff", "tif", "TIFF")
GIF = Kind("image/gif", "gif", "GIF")
WEBP = Kind("image/webp", "webp", "WebP")
DOC = Kind("application/msword", "doc", "Word 97-2003")
XLS = Kind("application/vnd.ms-excel", "xls", "Excel 97-2003")
PPT = Kind("application/vnd.ms-powerpoint", "ppt", "PowerPoint 97-2003")
DOCX = Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", "Word")
XLSX = Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "Excel")
PPTX = Kind("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx", "PowerPoint")
ODT = Kind("application/vnd.oasis.opendocument.text", "odt", "OpenDocument text")
ODS = Kind("application/vnd.oasis.opendocument.spreadsheet", "ods", "OpenDocument spreadsheet")
ODP = Kind("application/vnd.oasis.opendocument.presentation", "odp", "OpenDocument presentation")

KINDS = (PDF, PNG, JPEG, TIFF, GIF, WEBP, DOC, XLS, PPT, DOCX, XLSX, PPTX, ODT, ODS, ODP)
_BY_MEDIA_TYPE = {k.media_type: k for k in KINDS}
# other spellings of an extension that name the same kind
_SAME_EXTENSION = {"jpeg": "jpg", "jpe": "jpg", "tiff": "tif"}

ACCEPTED_LABELS = "PDF, Word, Excel, PowerPoint, OpenDocument, PNG, JPEG, TIFF, GIF, WebP"

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_STREAMS = (
    ("WordDocument".encode("utf-16-le"), DOC),
    ("Workbook".encode("utf-16-le"), XLS),
    ("Book".encode("utf-16-le"), XLS),
    ("PowerPoint Document".encode("utf-16-le"), PPT),
)
_MACRO_PARTS = ("vbaProject.bin",)
_OOXML = (("word/document.xml", DOCX), ("xl/workbook.xml", XLSX), ("ppt/presentation.xml", PPTX))
_ODF = {ODT.media_type: ODT, ODS.media_type: ODS, ODP.media_type: ODP}


def sniff(path: Path, head: bytes) -> Kind | None:
    """The kind of the file at `path` (whose first bytes are `head`), or None when not accepted.
    Invalid (with its own sentence) for a zip-based file too large or too complex to open."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(_OLE2):
        return _ole_kind(path)
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path)
    return None


def _ole_kind(path: Path) -> Kind | None:
    # The directory of an OLE2 compound file names its streams in UTF-16; an installer (.msi) or
    # another compound file has none of the Office streams and is refused.
    tail = b""
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            window = tail + chunk
            for marker, kind in _OLE_STREAMS:
                if marker in window:
                    return kind
            tail = window[-64:]
    return None


def _zip_kind(path: Path) -> Kind | None:
    try:
        listed = zipcheck.entries(path, MAX_ZIP_ENTRIES)
    except zipcheck.NotAZip:
        return None
    except zipcheck.TooManyEntries:
        raise Invalid("evidence.zip_too_many_parts", limit=f"{MAX_ZIP_ENTRIES:,}") from None
    except OSError:
        return None
    if sum(e.size for e in listed) > MAX_ZIP_UNPACKED:
        raise Invalid(
            "evidence.zip_too_large_unpacked", limit=f"{MAX_ZIP_UNPACKED // (1024 * 1024 * 1024)} GB"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if any(name.rsplit("/", 1)[-1] in _MACRO_PARTS for name in names):
                return None
            if "[Content_Types].xml" in names:
                for part, kind in _OOXML:
                    if part in names:
                        return kind
                return None
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 200:
                return _ODF.get(archive.read("mimetype").decode("ascii", "replace").strip())
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    return None


def kind_of(media_type: str | None) -> Kind | None:
    """The kind recorded for a stored file (its media type was set by `sniff`)."""
    return _BY_MEDIA_TYPE.get(media_type or "")


def named_for(filename: str, kind: Kind) -> str:
    """`filename` with the extension of what the file is. The uploader's extension is what a
    browser or Windows goes by when the file is saved and opened: a PDF named `bao-cao.html` would
    be opened as a web page and run its script, so the name follows the content, never the other way."""
    stem, dot, extension = filename.rpartition(".")
    ext = extension.lower()
    if not (dot and stem):
        return f"{filename}.{kind.extension}"
    if _SAME_EXTENSION.get(ext, ext) == kind.extension:
        return filename
    # a wrong extension is replaced; "Quyết định số 12.2021" has none and keeps its number
    looks_like_extension = len(ext) <= 5 and ext.isascii() and ext.isalnum() and not ext.isdigit()
    return f"{stem if looks_like_extension else filename}.{kind.extension}"
