"""A stored file sent as a download: always an attachment, never sniffed, never cached.

`Content-Disposition` carries the name twice (RFC 6266): `filename*` in UTF-8 (RFC 5987) for the
Vietnamese name, and `filename` in plain ASCII (diacritics dropped) for clients that read only that.
Both end with the extension of the detected type, so a browser saving the file names it after what
it is; `nosniff` stops the browser from second-guessing the declared `Content-Type`.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from urllib.parse import quote

from fastapi.responses import FileResponse


def ascii_fallback(name: str) -> str:
    """`Báo cáo đợt 1.pdf` → `Bao cao dot 1.pdf`: what a client without RFC 5987 support shows."""
    plain = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    kept = "".join(ch for ch in plain if ch.isascii() and ch.isprintable() and ch not in '"\\;')
    return kept.strip() or "evidence"


def content_disposition(name: str) -> str:
    return f"attachment; filename=\"{ascii_fallback(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


def attachment(path: Path, media_type: str, name: str) -> FileResponse:
    return FileResponse(
        path,
        media_type=media_type,
        headers={
            "Content-Disposition": content_disposition(name),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )
