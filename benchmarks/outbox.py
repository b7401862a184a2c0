# ruff: noqa: E402  (imports follow the sys.path fix on purpose)
"""Outbox delivery throughput: parflow's deliverer against a naive one-connection-per-message loop.

    .venv/bin/python benchmarks/outbox.py [--messages 500] [--rounds 3] [--security none|starttls]
                                          [--database-url URL] [--connections N]

An aiosmtpd server runs in a separate process on 127.0.0.1 and counts what it receives. Each round
queues the same number of reminder rows three times and delivers them:
- naive: for each due row, render and build the message (parflow's own code), send it with
  aiosmtplib's one-shot `send` (connect, EHLO, MAIL/RCPT/DATA, QUIT), then record the row as
  sent the way any use case writes here (`rt.db.run`, one session and transaction);
- strict: the same, but recording the row with the UPDATE deliver_pending runs for each row, on a
  connection held for the run, so that only the SMTP connection handling differs;
- ceiling: no database and no rendering at all: the same reminders, rendered and built by
  parflow's code *before* the clock starts, sent as pre-built bytes over ONE reused aiosmtplib
  connection (connect, then MAIL/RCPT/DATA per message, QUIT), what one connection can carry;
- parflow: `deliver_pending` (claims in chunks, `--connections` connections fed from the claimed
  rows, each outcome recorded, one UPDATE per row, before its connection sends another message).
Prints messages per second for each (median of the rounds) and parflow's ratio to each of them.
With `--database-url` (PostgreSQL) everything happens in a scratch schema, dropped at the end.
With `--security starttls` every connection also negotiates TLS, as the default setting does.
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/transitions.py shares its name with the `transitions` library: running a script from
# this folder puts the folder first on sys.path, so take it off before anything imports the library
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import asyncio
import multiprocessing
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosmtplib
from benchmarks.season_fixture import scratch_database
from sqlalchemy import func, insert, update
from sqlmodel import col, select

from parflow.clock import FixedClock
from parflow.notify import claims
from parflow.notify.catcher import free_port
from parflow.notify.delivery import DeliveryPolicy, deliver_pending
from parflow.notify.message import build, message_id, parse_sender
from parflow.notify.render import Rendered, render
from parflow.notify.samples import sample
from parflow.notify.smtp import local_hostname
from parflow.services.common import outbox
from parflow.services.common.runtime import Runtime
from parflow.settings import Settings, SmtpSecurity
from parflow.store.db import Database
from parflow.store.migrate import upgrade
from parflow.store.models import Notification, Person

NOW = datetime(2022, 1, 12, 1, 0, tzinfo=UTC)


# --- the SMTP server, in its own process -----------------------------------------------------------


def serve(port: int, received: Any, ready: Any, stop: Any, cert: str | None, key: str | None) -> None:
    import ssl

    from aiosmtpd.controller import Controller

    class Counter:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with received.get_lock():
                received.value += 1
            return "250 OK"

    options: dict[str, Any] = {}
    if cert and key:  # offer STARTTLS and insist on it, like a real submission server
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        options = {"tls_context": context, "require_starttls": True}
    controller = Controller(Counter(), hostname="127.0.0.1", port=port, **options)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


# --- setting up rows ------------------------------------------------------------------------------


def people_rows(count: int) -> list[dict[str, Any]]:
    return [
        {
            "email": f"dau-moi.{i:04d}@haiphong.example",
            "name": f"Nguyễn Văn Bình {i}",
            "language": "vi" if i % 3 else "en",
            "active": True,
            "created_at": NOW,
        }
        for i in range(count)
    ]


def make_people(rt: Runtime, count: int) -> list[int]:
    def write(session) -> list[int]:  # type: ignore[no-untyped-def]
        session.execute(insert(Person), people_rows(count))
        return list(session.exec(select(Person.id).order_by(col(Person.id))))

    return rt.db.run(write)


def queue(rt: Runtime, person_ids: list[int], tag: str) -> None:
    context = sample("reminder")

    def write(session) -> None:  # type: ignore[no-untyped-def]
        for pid in person_ids:
            person = session.get(Person, pid)
            outbox.enqueue(
                session, key=f"bench:{tag}:{pid}", kind="reminder", person=person, now=NOW, context=context
            )

    rt.db.run(write)


def certificate(folder: Path) -> tuple[str, str]:
    """A throw-away self-signed certificate for 127.0.0.1."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


# --- the naive baseline ----------------------------------------------------------------------------


async def naive_deliver(rt: Runtime, tag: str, *, strict: bool) -> int:
    """For each due row: render, build, connect, send, QUIT, record the row as sent.

    Rendering and building are parflow's own code. The row is recorded either the way any use
    case writes in this code base (`rt.db.run`: one session and transaction; the "naive"
    baseline) or, `strict`, with exactly the UPDATE deliver_pending uses on a connection held
    for the run, so that only the SMTP connection handling differs.
    """
    settings = rt.settings
    sender = parse_sender(settings.mail_from)
    hostname = await local_hostname()
    mine = col(Notification.key).startswith(f"bench:{tag}:")

    def claim_all(session) -> list[Notification]:  # type: ignore[no-untyped-def]
        rows = list(session.exec(select(Notification).where(Notification.status == "pending", mine)))
        session.execute(update(Notification).where(mine).values(status="sending"))
        return rows

    due = rt.db.run(claim_all)
    sent = 0
    recorder = rt.db.write_connection() if strict else None
    for row in due:
        rendered = render(
            settings.notifications_dir,
            row.kind,
            row.language,
            row.context,
            recipient_name=row.recipient_name,
            base_url=settings.base_url,
        )
        outgoing = build(
            rendered,
            key=row.key,
            kind=row.kind,
            language=row.language,
            recipient_name=row.recipient_name,
            recipient_email=row.recipient_email,
            sender=sender,
            thread_key=row.thread_key,
            now=rt.clock.now(),
            timezone=settings.timezone,
        )
        # aiosmtplib's one-shot API: connect, EHLO, (STARTTLS, EHLO,) MAIL/RCPT/DATA, QUIT
        await aiosmtplib.send(
            outgoing.data,
            sender=sender.address,
            recipients=[row.recipient_email],
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            start_tls=settings.smtp_security == SmtpSecurity.starttls,
            cert_bundle=str(settings.smtp_ca_file) if settings.smtp_ca_file else None,
            local_hostname=hostname,
        )
        mid = message_id(row.key, sender.domain)

        def record(row_id: int = row.id or 0, rendered: Rendered = rendered, mid: str = mid) -> None:
            if recorder is not None:
                with recorder.begin():
                    claims.mark_sent(recorder, row_id, 1, rt.clock.now(), mid, rendered)
            else:
                rt.db.run(lambda s: claims.mark_sent(s, row_id, 1, rt.clock.now(), mid, rendered))

        await asyncio.to_thread(record)
        sent += 1
    if recorder is not None:
        recorder.close()
    return sent


# --- the ceiling: SMTP alone ----------------------------------------------------------------------


def prebuilt(settings: Settings, count: int, tag: str) -> list[tuple[str, bytes]]:
    """The same reminders as the queued rows, rendered and built by parflow's code, as bytes.

    Built before the clock starts: the ceiling measures the SMTP conversation alone.
    """
    sender = parse_sender(settings.mail_from)
    context = sample("reminder")
    messages = []
    for person in people_rows(count):
        key = f"bench:{tag}:{person['email']}"
        rendered = render(
            settings.notifications_dir,
            "reminder",
            person["language"],
            context,
            recipient_name=person["name"],
            base_url=settings.base_url,
        )
        outgoing = build(
            rendered,
            key=key,
            kind="reminder",
            language=person["language"],
            recipient_name=person["name"],
            recipient_email=person["email"],
            sender=sender,
            thread_key=None,
            now=NOW,
            timezone=settings.timezone,
        )
        messages.append((person["email"], outgoing.data))
    return messages


async def ceiling_deliver(settings: Settings, messages: list[tuple[str, bytes]]) -> int:
    """Pre-built bytes over ONE reused aiosmtplib connection; no database, no rendering."""
    sender = parse_sender(settings.mail_from)
    client = aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        start_tls=settings.smtp_security == SmtpSecurity.starttls,
        cert_bundle=str(settings.smtp_ca_file) if settings.smtp_ca_file else None,
        local_hostname=await local_hostname(),
    )
    await client.connect()
    for recipient, data in messages:
        await client.sendmail(sender.address, [recipient], data)
    await client.quit()
    return len(messages)


def sent_rows(rt: Runtime, tag: str) -> int:
    with rt.db.read() as session:
        return int(
            session.exec(
                select(func.count())
                .select_from(Notification)
                .where(Notification.status == "sent", col(Notification.key).startswith(f"bench:{tag}:"))
            ).one()
        )


# --- the run ---------------------------------------------------------------------------------------


def measure(
    args: argparse.Namespace, folder: Path, url: str, port: int, cert: str | None
) -> dict[str, list[float]]:
    """Every variant, round after round, on the database at `url`; messages per second each."""
    settings = Settings(
        data_dir=folder,
        database_url=url,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security=SmtpSecurity(args.security),
        smtp_ca_file=cert,
        mail_from="Sở Nội vụ Hải Phòng <cchc@snv.haiphong.example>",
        smtp_connections=args.connections,
        _env_file=None,  # type: ignore[call-arg]
    )
    db = Database(url)
    upgrade(db)
    rt = Runtime(settings=settings, db=db, clock=FixedClock(NOW))
    people = make_people(rt, args.messages)
    policy = DeliveryPolicy(deadline_seconds=3600)
    rates: dict[str, list[float]] = {"naive": [], "strict": [], "ceiling": [], "parflow": []}
    for r in range(args.rounds):
        for variant in ("naive", "strict"):
            tag = f"{variant}{r}"
            queue(rt, people, tag)
            started = time.perf_counter()
            count = asyncio.run(naive_deliver(rt, tag, strict=variant == "strict"))
            rates[variant].append(count / (time.perf_counter() - started))
            assert sent_rows(rt, tag) == args.messages

        # the ceiling right before parflow: on a busy machine the pair sees the same load
        messages = prebuilt(settings, args.messages, f"ceiling{r}")
        queue(rt, people, f"ours{r}")
        started = time.perf_counter()
        count = asyncio.run(ceiling_deliver(settings, messages))
        rates["ceiling"].append(count / (time.perf_counter() - started))

        started = time.perf_counter()
        report = asyncio.run(deliver_pending(rt, limit=args.messages, policy=policy))
        rates["parflow"].append(report.sent / (time.perf_counter() - started))
        assert report.sent == args.messages and report.connections == args.connections, report.summary()
        assert sent_rows(rt, f"ours{r}") == args.messages
        print(
            f"round {r + 1}: "
            + "   ".join(f"{name} {values[-1]:7.1f} msg/s" for name, values in rates.items()),
            flush=True,
        )
    db.dispose()
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500, help="messages per batch")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument(
        "--security", choices=["none", "starttls"], default="none", help="starttls needs the openssl command"
    )
    default_connections = Settings.model_fields["smtp_connections"].default
    parser.add_argument(
        "--connections",
        type=int,
        default=default_connections,
        help=f"parflow's SMTP connections (PARFLOW_SMTP_CONNECTIONS; default {default_connections})",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        cert, key = certificate(Path(tmp)) if args.security == "starttls" else (None, None)
        port = free_port()
        context = multiprocessing.get_context("spawn")
        received, ready, stop = context.Value("i", 0), context.Event(), context.Event()
        server = context.Process(target=serve, args=(port, received, ready, stop, cert, key), daemon=True)
        server.start()
        if not ready.wait(30):
            sys.exit("the SMTP server process did not start")
        # PostgreSQL: a scratch schema, dropped afterwards; SQLite: a file in the temporary folder
        with scratch_database(args.database_url, Path(tmp) / "bench.db") as url:
            rates = measure(args, Path(tmp), url, port, cert)
        stop.set()
        server.join(10)
    expected = 4 * args.messages * args.rounds
    median = {name: statistics.median(values) for name, values in rates.items()}
    print()
    print(
        f"machine: {platform.machine()}, {multiprocessing.cpu_count()} CPU, "
        f"Python {platform.python_version()}, database {url.split(':')[0]}, SMTP security {args.security}, "
        f"{args.messages} messages per batch, median of {args.rounds} rounds"
    )
    print(f"server (separate process) received {received.value} of {expected} messages")
    labels = {
        "naive": "naive baseline, one connection per message:",
        "strict": "  same, recording rows exactly like parflow (strict):",
        "ceiling": "ceiling, pre-built bytes over one reused connection:",
        "parflow": f"parflow deliver_pending, {args.connections} connection(s):",
    }
    for name, label in labels.items():
        print(f"{label:<53}{median[name]:8.1f} messages/s")
    print(f"ratio to the naive baseline: {median['parflow'] / median['naive']:.2f}x")
    print(f"ratio to the strict baseline: {median['parflow'] / median['strict']:.2f}x")
    ratio = median["parflow"] / median["ceiling"]
    print(f"ratio to the ceiling (one reused connection, no database): {ratio:.2f}")
    per_round = [ours / ceiling for ours, ceiling in zip(rates["parflow"], rates["ceiling"], strict=True)]
    print(
        "  per round (ceiling measured just before parflow): "
        + ", ".join(f"{x:.2f}" for x in per_round)
        + f"; median {statistics.median(per_round):.2f}"
    )


if __name__ == "__main__":
    main()
