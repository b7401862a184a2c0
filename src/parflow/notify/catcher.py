"""The demo's mail catcher: a real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message.

`parflow demo` starts one and points delivery at it (security `none`, nothing leaves the machine).
Each message is stored as an `.eml` file in `<data dir>/mail/`, with the envelope recorded the way
a mail server records it (`Return-Path`, `Delivered-To`, `Received`), so the web pages under
`/demo/mail` can show exactly what each recipient would get. While it runs,
`<data dir>/mail/catcher.json` says where it listens, so `parflow tick` or
`parflow notifications deliver` started from another terminal can deliver into it too.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser, Parser
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from parflow.clock import Clock, SystemClock
from parflow.settings import Settings, SmtpSecurity

if TYPE_CHECKING:
    from aiosmtpd.controller import Controller

HOST = "127.0.0.1"
STATE_FILE = "catcher.json"
_ID = re.compile(r"^[0-9]{20}-[0-9a-f]{8}$")


def mail_dir(data_dir: Path) -> Path:
    return data_dir / "mail"


def free_port(host: str = HOST) -> int:
    """A port nobody listens on now (aiosmtpd's Controller cannot be given port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def port_is_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


class _Keeper:
    """aiosmtpd handler: write each message to its own file (runs on the server's thread)."""

    def __init__(self, directory: Path, clock: Clock) -> None:
        self.directory = directory
        self.clock = clock

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        now = self.clock.now()  # the catcher's own arrival stamp, like any mail server's
        peer = session.peer[0] if session.peer else "unknown"
        trace = [f"Return-Path: <{envelope.mail_from}>"]
        trace += [f"Delivered-To: {rcpt}" for rcpt in envelope.rcpt_tos]
        client = session.host_name or peer
        trace.append(f"Received: from {client} ([{peer}]) by parflow-mail-catcher; {format_datetime(now)}")
        content = envelope.original_content or b""
        data = ("\r\n".join(trace) + "\r\n").encode("utf-8") + content
        name = f"{time.time_ns():020d}-{secrets.token_hex(4)}"
        tmp = self.directory / f".{name}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, self.directory / f"{name}.eml")  # readers never see half a message
        return "250 OK: caught by the parflow demo"


class MailCatcher:
    def __init__(
        self,
        directory: Path,
        *,
        clock: Clock | None = None,
        host: str = HOST,
        preferred_port: int | None = None,
    ) -> None:
        self.directory = directory
        self.clock = clock or SystemClock()
        self.host = host
        self.preferred_port = preferred_port
        self.port = 0
        self._controller: Controller | None = None

    def start(self) -> MailCatcher:
        # the SMTP server library is loaded by the demo that starts one, not by `parflow tick` and
        # `notifications deliver`, which only look for a running catcher
        from aiosmtpd.controller import Controller

        self.directory.mkdir(parents=True, exist_ok=True)
        candidates = (
            [self.preferred_port] if self.preferred_port and port_is_free(self.preferred_port) else []
        )
        candidates += [free_port(self.host) for _ in range(3)]
        last_error: Exception | None = None
        for port in candidates:
            controller = Controller(_Keeper(self.directory, self.clock), hostname=self.host, port=port)
            try:
                controller.start()
            except (OSError, RuntimeError) as exc:  # lost a race for the port: take another
                last_error = exc
                continue
            self._controller, self.port = controller, port
            (self.directory / STATE_FILE).write_text(
                json.dumps({"host": self.host, "port": port, "pid": os.getpid()})
            )
            return self
        raise OSError(f"cannot start the demo mail catcher on {self.host}: {last_error}")

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        (self.directory / STATE_FILE).unlink(missing_ok=True)

    def route(self, settings: Settings) -> Settings:
        """The settings with delivery pointed at this catcher."""
        return route_to(settings, self.host, self.port)

    def __enter__(self) -> MailCatcher:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def route_to(settings: Settings, host: str, port: int) -> Settings:
    return settings.model_copy(
        update={
            "smtp_host": host,
            "smtp_port": port,
            "smtp_security": SmtpSecurity.none,
            "smtp_username": None,
            "smtp_password": None,
        }
    )


def running_catcher(data_dir: Path) -> tuple[str, int] | None:
    """Where the demo's catcher for this data directory listens, if one is running."""
    state = mail_dir(data_dir) / STATE_FILE
    try:
        info = json.loads(state.read_text())
        host, port = str(info["host"]), int(info["port"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return host, port
    except OSError:
        return None


def route_to_running_catcher(settings: Settings) -> Settings:
    """Settings aimed at the demo catcher of `settings.data_dir` when one runs; unchanged otherwise."""
    found = running_catcher(settings.data_dir)
    return route_to(settings, *found) if found else settings


# --- reading what was caught ---------------------------------------------------------------------


@dataclass(frozen=True)
class Caught:
    id: str
    subject: str
    sender: str
    to: str
    date: datetime | None
    kind: str | None
    language: str | None


def _parse(data: bytes, headers_only: bool = False) -> EmailMessage:
    try:  # raw UTF-8 headers when the message came with SMTPUTF8 (RFC 6532)
        parsed = Parser(policy=policy.default).parsestr(data.decode("utf-8"), headersonly=headers_only)
    except UnicodeDecodeError:
        parsed = BytesParser(policy=policy.default).parsebytes(data, headersonly=headers_only)
    assert isinstance(parsed, EmailMessage)
    return parsed


def list_caught(directory: Path) -> list[Caught]:
    """Every caught message, newest first."""
    if not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.glob("*.eml"), reverse=True):
        msg = _parse(path.read_bytes(), headers_only=True)
        found.append(_summary(path.stem, msg))
    return found


def _summary(mail_id: str, msg: EmailMessage) -> Caught:
    try:
        date = parsedate_to_datetime(str(msg["Date"])) if msg["Date"] else None
    except (TypeError, ValueError):
        date = None
    return Caught(
        id=mail_id,
        subject=str(msg["Subject"] or ""),
        sender=str(msg["From"] or ""),
        to=str(msg["To"] or ""),
        date=date,
        kind=str(msg["X-Parflow-Kind"]) if msg["X-Parflow-Kind"] else None,
        language=str(msg["Content-Language"]) if msg["Content-Language"] else None,
    )


def raw_caught(directory: Path, mail_id: str) -> bytes | None:
    if not _ID.match(mail_id):
        return None  # only our own file names: no path tricks
    path = directory / f"{mail_id}.eml"
    return path.read_bytes() if path.is_file() else None


def read_caught(directory: Path, mail_id: str) -> tuple[Caught, EmailMessage] | None:
    data = raw_caught(directory, mail_id)
    if data is None:
        return None
    msg = _parse(data)
    return _summary(mail_id, msg), msg


def body_of(msg: EmailMessage, subtype: str) -> str | None:
    part = msg.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return None
    return str(part.get_content())
