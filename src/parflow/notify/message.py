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

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.charset import BASE64, Charset
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.parser import BytesParser
from email.utils import format_datetime, formataddr, getaddresses
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

    Built with the classic (compat32) classes: same result as the modern API for these headers,
    several times faster, which matters when a deadline sends hundreds of messages at once.
    """
    msg = MIMEMultipart("alternative", boundary=boundary)
    msg["From"] = formataddr((sender.name, sender.address), charset="utf-8")
    msg["To"] = formataddr((to.display_name, to.addr_spec), charset="utf-8")
    subject_charset = "us-ascii" if rendered.subject.isascii() else "utf-8"
    msg["Subject"] = Header(rendered.subject, subject_charset, header_name="Subject")  # type: ignore[assignment]
    for name, value in headers:
        msg[name] = value
    # base64 keeps the UTF-8 bytes exactly as rendered (line endings included), passes any server,
    # and is smaller than quoted-printable for Vietnamese, where most letters carry diacritics.
    msg.attach(MIMEText(rendered.text, "plain", _UTF8_BASE64))  # type: ignore[arg-type]
    msg.attach(MIMEText(rendered.html, "html", _UTF8_BASE64))  # type: ignore[arg-type]
    return msg.as_bytes(policy=_WIRE)


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


_UTF8_BASE64 = Charset("utf-8")
_UTF8_BASE64.body_encoding = BASE64
_WIRE = policy.compat32.clone(linesep="\r\n")
