"""The hand-written MIME of `message.build` is byte for byte what the email package would write.

`_plain_ascii` writes headers and base64 parts directly (the generator's header folding cost more
than rendering). The reference below is the email-package construction it replaced; both must
agree on every kind, language and awkward name or subject.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email import policy
from email.charset import BASE64, Charset
from email.header import Header
from email.headerregistry import Address
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr

import pytest

from parflow.domain.notices import NOTIFICATION_KINDS
from parflow.notify import message
from parflow.notify.message import Sender, build
from parflow.notify.render import Rendered, render
from parflow.notify.samples import SAMPLES
from parflow.settings import Settings

_UTF8_BASE64 = Charset("utf-8")
_UTF8_BASE64.body_encoding = BASE64
_WIRE = policy.compat32.clone(linesep="\r\n")


def reference(
    rendered: Rendered, sender: Sender, to: Address, headers: list[tuple[str, str]], boundary: str
) -> bytes:
    msg = MIMEMultipart("alternative", boundary=boundary)
    msg["From"] = formataddr((sender.name, sender.address), charset="utf-8")
    msg["To"] = formataddr((to.display_name, to.addr_spec), charset="utf-8")
    subject_charset = "us-ascii" if rendered.subject.isascii() else "utf-8"
    msg["Subject"] = Header(rendered.subject, subject_charset, header_name="Subject")  # type: ignore[assignment]
    for name, value in headers:
        msg[name] = value
    msg.attach(MIMEText(rendered.text, "plain", _UTF8_BASE64))  # type: ignore[arg-type]
    msg.attach(MIMEText(rendered.html, "html", _UTF8_BASE64))  # type: ignore[arg-type]
    return msg.as_bytes(policy=_WIRE)


NAMES = [
    "Nguyễn Văn Bình",
    "Tôn Nữ Thị Phương Thảo Hoàng Lê Nguyễn Thị Minh Khai Trần Hưng Đạo Quận Hồng Bàng",
    "John O'Brien, Jr.",
    'Ann "the reviewer" Lee',
    "",
    "  spaced   out  ",
    "Averyveryveryverylongasciinamewithoutanyspacesatallthatkeepsgoingandgoingandgoing",
]
SUBJECTS = [
    None,  # the rendered one
    "Short ASCII subject",
    "An ASCII subject long enough that the header must be folded over more than one line, surely",
    "Nhắc hạn",
    "x" * 120,
    "Subject with =?utf-8?q?lookalike?= and  double  spaces ",
]


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings(_env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize("kind", sorted(NOTIFICATION_KINDS))
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_same_bytes_as_the_email_package(
    kind: str, lang: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[tuple[bytes, bytes]] = []
    fast = message._plain_ascii

    def both(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = fast(*args, **kwargs)
        made.append((result, reference(*args, **kwargs)))
        return result

    monkeypatch.setattr(message, "_plain_ascii", both)
    senders = [Sender("Sở Nội vụ Hải Phòng", "cchc@snv.haiphong.example"), Sender("", "a@b.example")]
    for index, context in enumerate(SAMPLES.get(kind, [])):
        base = render(
            settings.notifications_dir, kind, lang, context, recipient_name=NAMES[0], base_url="http://x"
        )
        for n, name in enumerate(NAMES):
            subject = SUBJECTS[(n + index) % len(SUBJECTS)] or base.subject
            text = base.text if n % 3 else ""  # an empty body too
            rendered = Rendered(subject=subject, text=text, html=base.html)
            build(
                rendered,
                key=f"k:{kind}:{index}:{n}",
                kind=kind,
                language=lang,
                recipient_name=name,
                recipient_email=f"person.{n}@haiphong.example",
                sender=senders[n % 2],
                thread_key=f"submission:{n}" if n % 2 else None,
                now=datetime(2022, 1, 12, 1, 0, tzinfo=UTC),
                timezone="Asia/Ho_Chi_Minh",
            )
    assert made
    for fast_bytes, reference_bytes in made:
        assert fast_bytes == reference_bytes
