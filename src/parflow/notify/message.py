"""Turn one rendered outbox row into an RFC 5322 message with stable identifiers.

- Message-ID is derived from the row's key, so a message sent twice (a crash between the SMTP
  send and marking the row sent) carries the same Message-ID both times and servers and clients
  can drop the copy.
- Messages about one submission share a thread: each names the same synthetic thread root in
  `In-Reply-To` and `References`, the way issue trackers thread their notifications.
- Headers: Vietnamese display names and subjects are encoded per RFC 2047 (7-bit headers that
  any server takes); only when an address itself is not ASCII are the headers left as UTF-8 and
  the message sent with SMTPUTF8 (RFC 6531/6532), which the server must then offer.
- Bodies: text and HTML alternatives, UTF-8, base64.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, formataddr, getaddresses
from functools import lru_cache
from zoneinfo import ZoneInfo

from parflow.notify.render import Rendered


class InvalidAddress(ValueError):
    """An address no server could accept; retrying cannot help."""


@dataclass(frozen=True)
class Sender:
    name: str
    address: str

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2] or "localhost"


def parse_sender(mail_from: str) -> Sender:
    """`PARFLOW_MAIL_FROM` as 'Display Name <addr@domain>' or a bare address."""
    pairs = getaddresses([mail_from])
    if not pairs or "@" not in pairs[0][1]:
        raise InvalidAddress(f"PARFLOW_MAIL_FROM is not an e-mail address: {mail_from!r}")
    name, address = pairs[0]
    return Sender(name=name, address=address)


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def message_id(key: str, domain: str) -> str:
    return f"<parflow.{_digest(key)}@{domain}>"


def thread_root(thread_key: str, domain: str) -> str:
    return f"<thread.{_digest(thread_key)}@{domain}>"


def mailbox(name: str, address: str) -> Address:
    """A recipient as a header value; raises InvalidAddress for anything that is not one address."""
    address = address.strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or any(c.isspace() or c in '<>()[],;:"\\' for c in address):
        raise InvalidAddress(f"not a valid e-mail address: {address!r}")
    try:
        return Address(display_name=" ".join(name.split()), username=local, domain=domain)
    except (ValueError, TypeError) as exc:  # the header registry rejects what RFC 5322 forbids
        raise InvalidAddress(f"not a valid e-mail address: {address!r} ({exc})") from None


@dataclass(frozen=True)
class Outgoing:
    """A message flattened for the wire, and whether it needs the server's SMTPUTF8."""

    data: bytes
    smtputf8: bool

    def parsed(self) -> EmailMessage:
        parsed = BytesParser(policy=policy.default).parsebytes(self.data)
        assert isinstance(parsed, EmailMessage)
        return parsed


def build(
    rendered: Rendered,
    *,
    key: str,
    kind: str,
    language: str,
    recipient_name: str,
    recipient_email: str,
    sender: Sender,
    thread_key: str | None,
    now: datetime,
    timezone: str,
) -> Outgoing:
    to = mailbox(recipient_name, recipient_email)  # refuses what is not an address
    headers = [
        ("Date", format_datetime(now.astimezone(ZoneInfo(timezone)))),
        ("Message-ID", message_id(key, sender.domain)),
    ]
    if thread_key:
        root = thread_root(thread_key, sender.domain)
        headers += [("In-Reply-To", root), ("References", root)]
    headers += [
        # RFC 3834: automatic mail; well-behaved auto-responders (out-of-office) stay quiet.
        ("Auto-Submitted", "auto-generated"),
        ("Content-Language", language),
        ("X-Parflow-Kind", kind),
    ]
    # a boundary derived from the key: a resent copy is the same message byte for byte, bar Date
    boundary = f"=_parflow_{_digest('boundary:' + key)}"
    if (sender.address + recipient_email).isascii():
        return Outgoing(_plain_ascii(rendered, sender, to, headers, boundary), smtputf8=False)
    return Outgoing(_internationalised(rendered, sender, to, headers, boundary), smtputf8=True)


def _plain_ascii(
    rendered: Rendered, sender: Sender, to: Address, headers: list[tuple[str, str]], boundary: str
) -> bytes:
    """ASCII addresses: every header is 7-bit, names and subject as RFC 2047 encoded words.

    Written out directly, byte for byte what the email package's compat32 generator makes of a
    MIMEMultipart with two base64 MIMEText parts (tests/notify/test_message_bytes.py holds the two
    side by side): that generator folds every header through `Header`, which cost more than
    rendering the templates, and a deadline sends hundreds of messages at once.
    """
    lines = [
        # always too long for one line: folded where compat32 folds it
        f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n'.encode("ascii"),
        b"MIME-Version: 1.0\r\n",
        _folded_once("From", formataddr((sender.name, sender.address), charset="utf-8")),
        _folded("To", formataddr((to.display_name, to.addr_spec), charset="utf-8")),
        _subject(rendered.subject),
        *(_folded(name, value) for name, value in headers),
    ]
    separator = f"--{boundary}\r\n".encode("ascii")
    return b"".join(
        [
            *lines,
            b"\r\n",
            separator,
            _base64_part("plain", rendered.text),
            b"\r\n",
            separator,
            _base64_part("html", rendered.html),
            f"\r\n--{boundary}--\r\n".encode("ascii"),
        ]
    )


def _folded(name: str, value: str) -> bytes:
    """One header line as compat32 writes it; only a header that may need folding pays for `Header`."""
    if len(name) + len(value) + 2 <= 78 and _SIMPLE_VALUE.fullmatch(value):
        return f"{name}: {value}\r\n".encode("ascii")
    return _WIRE.fold_binary(name, value)


# A batch repeats its sender, and often its subject (one deadline, one language): fold each once.
@lru_cache(maxsize=256)
def _folded_once(name: str, value: str) -> bytes:
    return _folded(name, value)


@lru_cache(maxsize=256)
def _subject(subject: str) -> bytes:
    charset = "us-ascii" if subject.isascii() else "utf-8"
    return _WIRE.fold_binary("Subject", Header(subject, charset, header_name="Subject"))  # type: ignore[arg-type]


def _base64_part(subtype: str, text: str) -> bytes:
    head = f'Content-Type: text/{subtype}; charset="utf-8"\r\nMIME-Version: 1.0\r\n'
    body = base64.encodebytes(text.encode("utf-8")).replace(b"\n", b"\r\n")
    return (head + "Content-Transfer-Encoding: base64\r\n\r\n").encode("ascii") + body


def _internationalised(
    rendered: Rendered, sender: Sender, to: Address, headers: list[tuple[str, str]], boundary: str
) -> bytes:
    """A non-ASCII address: headers in raw UTF-8 (RFC 6532), sent only where SMTPUTF8 is offered."""
    msg = EmailMessage(policy=policy.SMTPUTF8)
    msg["From"] = Address(display_name=sender.name, addr_spec=sender.address)
    msg["To"] = to
    msg["Subject"] = rendered.subject
    for name, value in headers:
        if name != "Content-Language":
            msg[name] = value
    msg.set_content(rendered.text, charset="utf-8", cte="base64")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="base64")
    msg.set_boundary(boundary)
    msg["Content-Language"] = dict(headers)["Content-Language"]  # after the body (moved otherwise)
    return msg.as_bytes()


_WIRE = policy.compat32.clone(linesep="\r\n")
# printable ASCII words with single spaces between them: compat32 writes such a value unchanged
_SIMPLE_VALUE = re.compile(r"[!-~]+(?: [!-~]+)*")
