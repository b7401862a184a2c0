"""Turn one rendered outbox row into an RFC 5322 message with stable identifiers.

- Message-ID is derived from the row's key, so a message sent twice (a crash between the SMTP
  send and marking the row sent) carries the same Message-ID both times and servers and clients
  can drop the copy.
- Messages about one submission share a thread: each names the same synthetic thread root in
  `In-Reply-To` and `References`, the way issue trackers thread their notifications.
- Headers are built with the `email` package's modern policy: Vietnamese display names and
  subjects are encoded per RFC 2047 when the message is flattened for a 7-bit/8-bit server, and
  left as UTF-8 when the server offers SMTPUTF8 and an address needs it (RFC 6532).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
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
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = Address(display_name=sender.name, addr_spec=sender.address)
    msg["To"] = mailbox(recipient_name, recipient_email)
    msg["Subject"] = rendered.subject
    msg["Date"] = format_datetime(now.astimezone(ZoneInfo(timezone)))
    msg["Message-ID"] = message_id(key, sender.domain)
    if thread_key:
        root = thread_root(thread_key, sender.domain)
        msg["In-Reply-To"] = root
        msg["References"] = root
    # RFC 3834: automatic mail; well-behaved auto-responders (out-of-office) stay quiet.
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Parflow-Kind"] = kind
    # base64 keeps the UTF-8 bytes exactly as rendered (line endings included), passes any server,
    # and is smaller than quoted-printable for Vietnamese, where most letters carry diacritics.
    msg.set_content(rendered.text, charset="utf-8", cte="base64")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="base64")
    # a boundary derived from the key: a resent copy is the same message byte for byte, bar Date
    msg.set_boundary(f"=_parflow_{_digest('boundary:' + key)}")
    # after the body: set_content and add_alternative move Content-* headers into the parts
    msg["Content-Language"] = language
    return msg
