"""Receiving a multipart upload as a stream: file bytes go straight to a temporary file on disk.

Starlette's form parser would buffer the whole body before our code sees it; here the size limit
is enforced while the bytes arrive, so an oversized upload is refused after `max_bytes`, not after
the whole body has been read. Text fields are small and kept in memory (bounded too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from parflow.domain.errors import Invalid, TooLarge
from parflow.services.evidence.store import BlobWriter, Received, human_size
from parflow.web.fields import whole_number

MAX_FIELD_BYTES = 16 * 1024
MAX_FIELDS = 20
MAX_VALUES = 400  # values of all fields together (a repeated field: one per leaf ticked)
FORM_OVERHEAD = 64 * 1024  # boundaries, part headers and small text fields around the file


@dataclass
class Upload:
    fields: dict[str, str] = field(default_factory=dict)
    file: Received | None = None
    filename: str | None = None
    file_field: str | None = None
    # every file of the request, in order, with the client's name (the first is also `file`)
    files: list[tuple[Received, str | None]] = field(default_factory=list)
    # every value of a repeated field (checkboxes, a multiple select); `fields` keeps the last
    lists: dict[str, list[str]] = field(default_factory=dict)

    def discard(self) -> None:
        for received, _name in self.files:
            received.path.unlink(missing_ok=True)
        if self.file is not None:
            self.file.path.unlink(missing_ok=True)


class _Receiver:
    def __init__(self, evidence_dir: Path, max_bytes: int, too_large_key: str, max_files: int = 1) -> None:
        self.evidence_dir = evidence_dir
        self.max_files = max_files
        self.max_bytes = max_bytes
        self.too_large_key = too_large_key
        self.upload = Upload()
        self.writer: BlobWriter | None = None
        self.header_name = b""
        self.header_value = b""
        self.disposition = b""
        self.field_name: str | None = None
        self.field_data = bytearray()
        self.is_file = False
        self.current_filename: str | None = None

    def on_part_begin(self) -> None:
        self.disposition = b""
        self.field_data = bytearray()
        self.is_file = False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        if self.header_name.lower() == b"content-disposition":
            self.disposition = self.header_value
        self.header_name = b""
        self.header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.disposition)
        name = options.get(b"name")
        if name is None:
            raise Invalid("evidence.bad_upload")
        self.field_name = name.decode("utf-8", "replace")
        if b"filename" in options:
            if len(self.upload.files) >= self.max_files or self.writer is not None:
                if self.max_files > 1:
                    raise Invalid("evidence.too_many_files", max=self.max_files)
                raise Invalid("evidence.bad_upload")  # one file per request
            self.is_file = True
            self.current_filename = options[b"filename"].decode("utf-8", "replace")
            if not self.upload.files:
                self.upload.filename = self.current_filename
                self.upload.file_field = self.field_name
            self.writer = BlobWriter(self.evidence_dir, self.max_bytes)
        elif (
            len(self.upload.fields) >= MAX_FIELDS
            or sum(len(v) for v in self.upload.lists.values()) >= MAX_VALUES
        ):
            raise Invalid("evidence.bad_upload")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.is_file:
            assert self.writer is not None
            try:
                self.writer.write(data[start:end])
            except TooLarge:
                self.writer = None
                raise TooLarge(self.too_large_key, limit=human_size(self.max_bytes)) from None
        else:
            self.field_data.extend(data[start:end])
            if len(self.field_data) > MAX_FIELD_BYTES:
                raise TooLarge("input.too_large", limit=human_size(MAX_FIELD_BYTES))

    def on_part_end(self) -> None:
        if self.is_file:
            assert self.writer is not None
            received = self.writer.finish()
            self.writer = None
            if not self.upload.files:
                self.upload.file = received
            self.upload.files.append((received, self.current_filename))
        elif self.field_name is not None:
            text = self.field_data.decode("utf-8", "replace")
            self.upload.fields[self.field_name] = text
            self.upload.lists.setdefault(self.field_name, []).append(text)

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.abort()
            self.writer = None
        self.upload.discard()


async def receive_multipart(
    request: Request,
    evidence_dir: Path,
    max_bytes: int,
    too_large_key: str = "evidence.too_large",
    max_files: int = 1,
) -> Upload:
    """Parse a multipart/form-data request; each file (at most `max_files`, each at most
    `max_bytes`) lands in a temporary file."""
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise Invalid("evidence.bad_upload")
    declared = request.headers.get("content-length")
    size = whole_number(declared)
    # an unreadable or enormous declaration proves nothing: the limit is also enforced while reading
    if size is not None and size > max_bytes * max_files + FORM_OVERHEAD:
        raise TooLarge(too_large_key, limit=human_size(max_bytes))  # refuse before reading a byte
    receiver = _Receiver(evidence_dir, max_bytes, too_large_key, max_files)
    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": receiver.on_part_begin,
            "on_part_data": receiver.on_part_data,
            "on_part_end": receiver.on_part_end,
            "on_header_field": receiver.on_header_field,
            "on_header_value": receiver.on_header_value,
            "on_header_end": receiver.on_header_end,
            "on_headers_finished": receiver.on_headers_finished,
        },
    )
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except FormParserError:
        receiver.abort()
        raise Invalid("evidence.bad_upload") from None
    except BaseException:
        receiver.abort()
        raise
    if receiver.writer is not None:  # the body ended inside the file part
        receiver.abort()
        raise Invalid("evidence.bad_upload")
    return receiver.upload


async def read_small_body(request: Request, limit: int = 64 * 1024) -> bytes:
    """A JSON body read with a ceiling, so a huge body is refused instead of buffered."""
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise TooLarge("input.too_large", limit=human_size(limit))
    return bytes(body)
