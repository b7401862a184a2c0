"""Deliver the outbox over SMTP: `deliver_pending` is what the scheduler and `parflow tick` call.

One run claims due rows in small chunks (the next chunk while the current one goes out) and sends
them over a few reused connections (`PARFLOW_SMTP_CONNECTIONS`, each message over exactly one of
them), each message to its one recipient (every row has its own language, Message-ID and status,
so a refusal of one address never holds up another). What happens to a message:

- accepted by the server → `sent` (rendered subject and bodies kept on the row: what went out is
  on record);
- a connection error or `421` → drop the connection, reconnect and retry it within this run
  (short exponential pauses with jitter); if that keeps failing it is retried later;
- any other 4xx reply → retried later, after an exponential backoff with jitter;
- a 5xx reply, an invalid address or a template that does not fit its context → `dead` at once;
- still failing after `PARFLOW_SMTP_MAX_ATTEMPTS` attempts → `dead`.
A `dead` message puts its campaign's Home Affairs on notice (see `alerts`, at most once a day).

If no connection can be opened at all (server down, STARTTLS missing, sign-in refused) no message
is blamed: the claimed rows go back to the queue, due again a minute later, without counting an
attempt. A run also stops taking messages at its overall deadline; what is left waits for the
next run. Every outcome is written, one row per statement, right after the SMTP reply and before
that connection sends another message (outcomes arriving together share a commit, see `recorder`),
so a crash can leave at most one message per connection unrecorded (see `claims` for how it is
resent, once, with the same Message-ID).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from time import monotonic
from typing import TypeVar

from aiosmtplib import (
    SMTPNotSupported,
    SMTPRecipientsRefused,
    SMTPResponseException,
    SMTPServerDisconnected,
    SMTPTimeoutError,
)
from sqlmodel import Session

from parflow.clock import clock_span
from parflow.notify import claims
from parflow.notify.batch_render import render_for
from parflow.notify.claims import Claimed
from parflow.notify.message import InvalidAddress, Outgoing, Sender, build, message_id, parse_sender
from parflow.notify.recorder import Entry, Outcome, Recorder
from parflow.notify.render import Rendered, RenderError
from parflow.notify.smtp import ConnectFailed, SmtpLink, describe
from parflow.services.common.runtime import Runtime
from parflow.settings import Settings

log = logging.getLogger("parflow.notify")
T = TypeVar("T")


@dataclass
class DeliveryPolicy:
    deadline_seconds: float = 240.0
    operation_timeout: float = 20.0
    max_attempts: int = 10
    # later retries: 1, 2, 4, ... minutes, at most 4 hours apart (about 8 hours for 10 attempts)
    retry_base_seconds: float = 60.0
    retry_cap_seconds: float = 4 * 3600.0
    # within a run: reconnect and retry after a connection error or 421, this many times
    in_run_retries: int = 2
    in_run_pause_seconds: float = 0.25
    # when no connection can be opened at all, try again after about this long
    unreachable_retry_seconds: float = 60.0
    chunk: int = 100
    # parallel connections to the mail server; None: PARFLOW_SMTP_CONNECTIONS
    connections: int | None = None
    rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliveryPolicy:
        return cls(
            deadline_seconds=settings.smtp_deadline_seconds,
            operation_timeout=settings.smtp_timeout_seconds,
            max_attempts=max(1, settings.smtp_max_attempts),
            connections=settings.smtp_connections,
        )

    def lease(self) -> timedelta:
        # a claimed row is ours for the whole run plus a margin; after that it counts as abandoned
        return timedelta(seconds=self.deadline_seconds + 2 * self.operation_timeout + 300)

    def backoff(self, attempts: int) -> timedelta:
        delay = min(self.retry_cap_seconds, self.retry_base_seconds * 2 ** max(0, attempts - 1))
        return timedelta(seconds=delay * self.rng.uniform(0.8, 1.2))

    def pause(self, retry: int) -> float:
        return self.in_run_pause_seconds * 2 ** max(0, retry - 1) * self.rng.uniform(0.5, 1.5)

    def unreachable_retry(self) -> timedelta:
        return timedelta(seconds=self.unreachable_retry_seconds * self.rng.uniform(0.8, 1.2))


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0  # failed for now; due again later
    dead: int = 0
    returned: int = 0  # claimed but never handed to a server; back in the queue
    recovered: int = 0  # abandoned by a deliverer that died; due again
    alerts: int = 0
    connections: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{self.sent} sent", f"{self.retrying} to retry", f"{self.dead} undeliverable"]
        if self.returned:
            parts.append(f"{self.returned} back in the queue")
        if self.recovered:
            parts.append(f"{self.recovered} recovered after an interrupted run")
        text = f"e-mail: {', '.join(parts)} ({self.connections} connection(s), {self.seconds:.1f} s)"
        return text + (f"; last error: {self.errors[-1]}" if self.errors else "")


async def deliver_pending(
    rt: Runtime,
    *,
    limit: int = 500,
    policy: DeliveryPolicy | None = None,
    stopping: Callable[[], bool] | None = None,
) -> DeliveryReport:
    """Send up to `limit` due messages over a few reused connections; never raises for delivery problems.

    When `stopping()` turns true (the scheduler was told to stop), the messages on the wire are
    finished and recorded, and the rest go back to the queue, due at once for another scheduler.
    """
    policy = policy or DeliveryPolicy.from_settings(rt.settings)
    report = DeliveryReport()
    started = monotonic()
    try:
        sender = parse_sender(rt.settings.mail_from)
    except InvalidAddress as exc:
        report.errors.append(str(exc))
        return report
    now = rt.clock.now()
    report.recovered = await _db(rt, lambda s: claims.release_stale(s, now))
    size = max(1, policy.connections or rt.settings.smtp_connections)
    links = [SmtpLink(rt.settings) for _ in range(size)]
    recorder = Recorder(rt, policy)
    await recorder.open()
    deadline = started + policy.deadline_seconds
    run = _Run(rt, sender, policy, report, recorder, limit, deadline, stopping, size)
    try:
        while True:
            alerted = report.alerts
            await _pass(run, links)
            # a message found undeliverable queued an alert to Home Affairs: it goes out in this run
            if run.stop_reason or report.alerts == alerted or report.claimed >= limit:
                break
            run.dry = False
    finally:
        try:
            await recorder.close()
        finally:
            for link in links:
                await link.close()
            report.connections = sum(link.connections for link in links)
            report.seconds = monotonic() - started
    if report.claimed or report.recovered:
        # the scheduler logs each run's summary with fields (scheduler/jobs.py); the CLI prints it
        log.debug(report.summary())
    return report


@dataclass(frozen=True)
class Prepared:
    """A message ready to go out (or the reason it never can)."""

    outgoing: Outgoing | None
    rendered: Rendered | None
    message_id: str
    failure: Outcome | None = None


@dataclass
class _Run:
    """One delivery run's shared state: the claimed rows not yet taken, and why the run stopped."""

    rt: Runtime
    sender: Sender
    policy: DeliveryPolicy
    report: DeliveryReport
    recorder: Recorder
    limit: int
    deadline: float
    stopping: Callable[[], bool] | None
    connections: int
    queue: deque[Claimed] = field(default_factory=deque)
    claiming: asyncio.Task[None] | None = None
    dry: bool = False  # the last claim found nothing more
    stop_reason: str | None = None
    retry_now: bool = False
    connected: asyncio.Event = field(default_factory=asyncio.Event)

    def stop(self, reason: str, *, retry_now: bool = False) -> None:
        if self.stop_reason is None:
            self.stop_reason, self.retry_now = reason, retry_now

    def may_send(self) -> bool:
        """False once the run must stop taking messages (the reason is kept for the give-back)."""
        if self.stop_reason is None:
            if self.stopping is not None and self.stopping():
                self.stop("the scheduler stopped before sending it", retry_now=True)
            elif monotonic() >= self.deadline:
                self.stop("the delivery run reached its time limit")
        return self.stop_reason is None

    async def take(self) -> Claimed | None:
        """The next claimed row; the next chunk is claimed while this one is still going out."""
        while not self.queue:
            if self.dry or not self.may_send():
                return None
            if self.claiming is None:
                self.claiming = asyncio.ensure_future(self._claim())
            await asyncio.shield(self.claiming)
        item = self.queue.popleft()
        if len(self.queue) < 2 * self.connections and self.claiming is None and not self.dry:
            self.claiming = asyncio.ensure_future(self._claim())
        return item

    async def _claim(self) -> None:
        try:
            size = min(self.policy.chunk, self.limit - self.report.claimed)
            if size <= 0 or not self.may_send():
                self.dry = True
                return
            now = self.rt.clock.now()
            # the lease guards real work: on a sped-up (test) clock it spans more of that clock's time
            lease_until = now + clock_span(self.rt.clock, self.policy.lease())
            batch = await _db(self.rt, lambda s: claims.claim(s, now, size, lease_until))
            self.report.claimed += len(batch)
            self.queue.extend(batch)
            self.dry = not batch
        finally:
            self.claiming = None

    async def give_back_rest(self) -> None:
        if self.claiming is not None:
            await asyncio.shield(self.claiming)
        rest = list(self.queue)
        self.queue.clear()
        if rest:
            reason = self.stop_reason or "not sent"
            await _give_back(self.rt, rest, self.policy, reason, self.report, retry_now=self.retry_now)


async def _pass(run: _Run, links: list[SmtpLink]) -> None:
    """Send until the claimed rows run out or the run must stop.

    The other connections open only once the first one is up, so that a server that cannot be
    reached is tried as often as with a single connection and the rows go back to the queue.
    """
    workers = [asyncio.ensure_future(_send_over(run, links[0]))]
    up = asyncio.ensure_future(run.connected.wait())
    try:
        await asyncio.wait([workers[0], up], return_when=asyncio.FIRST_COMPLETED)
        if run.connected.is_set() and run.stop_reason is None:
            workers += [asyncio.ensure_future(_send_over(run, link, extra=True)) for link in links[1:]]
        await asyncio.gather(*workers)
    except BaseException:
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        raise
    finally:
        up.cancel()
    await run.give_back_rest()


async def _send_over(run: _Run, link: SmtpLink, *, extra: bool = False) -> None:
    """One connection's loop: take a row, send it, have its outcome recorded, repeat.

    While one message's outcome is being written (on the writer thread), the next message is
    rendered; it is sent only once that write has committed, so at most one message per
    connection is ever accepted by the server without the outbox knowing.
    """
    rt, report = run.rt, run.report
    writing: tuple[Claimed, Outcome, asyncio.Future[tuple[str, int]]] | None = None

    async def settle() -> None:
        nonlocal writing
        if writing is not None:
            item, outcome, future = writing
            writing = None
            final, alerted = await future
            _count(report, item, outcome, final, alerted)

    if extra and not await _open_extra(run, link):
        return
    try:
        while (item := await run.take()) is not None:
            prepared = _prepare(rt, run.sender, item)
            await settle()
            if not run.may_send():
                run.queue.appendleft(item)
                break
            outcome = prepared.failure or await _transmit(
                link, run.sender, item, prepared, run.policy, run.deadline
            )
            if link.connections:
                run.connected.set()
            if outcome.status == "untried":
                report.errors.append(outcome.error or "not sent")
                run.stop(outcome.error or "not sent")
                run.queue.appendleft(item)
                break
            writing = (item, outcome, run.recorder.record(Entry(item, outcome, rt.clock.now())))
            if outcome.stop:
                run.stop(outcome.error or "the mail server went away")
    finally:
        await settle()


async def _open_extra(run: _Run, link: SmtpLink) -> bool:
    """Open one more connection, if there is work for it; False when it is not needed or refused.

    A refusal (a server limiting connections per client, say) blames no message and stops nothing:
    the connections already open carry on with the batch.
    """
    if run.claiming is not None:
        await asyncio.shield(run.claiming)
    if not run.queue or not run.may_send():
        return False
    try:
        await link.ensure(min(run.policy.operation_timeout, max(0.1, run.deadline - monotonic())))
    except ConnectFailed as exc:
        log.debug("an extra SMTP connection could not be opened: %s", exc)
        return False
    return True


def _count(report: DeliveryReport, item: Claimed, outcome: Outcome, final: str, alerted: int) -> None:
    report.alerts += alerted
    if final == "sent":
        report.sent += 1
    elif final == "failed":
        report.retrying += 1
    elif final == "dead":
        report.dead += 1
    if outcome.error and final != "sent":
        report.errors.append(f"{item.recipient_email}: {outcome.error}")


def _prepare(rt: Runtime, sender: Sender, item: Claimed) -> Prepared:
    settings = rt.settings
    named = item.context.get("campaign", {}).get("sender") if isinstance(item.context, dict) else None
    if isinstance(named, dict) and named.get("email"):
        # the campaign's own sender (Sở Nội vụ …) in From and Message-ID; the SMTP envelope keeps
        # PARFLOW_MAIL_FROM, the address the server is configured to send for
        sender = Sender(name=str(named.get("name") or ""), address=str(named["email"]))
    mid = message_id(item.key, sender.domain)
    try:
        # one deadline's messages differ mostly in the recipient's name: render those once
        rendered = render_for(
            settings.notifications_dir,
            item.kind,
            item.language,
            item.context,
            recipient_name=item.recipient_name,
            base_url=settings.base_url,
        )
    except RenderError as exc:
        return Prepared(None, None, mid, Outcome("dead", 1, f"template: {exc}", message_id=mid))
    campaign = item.context.get("campaign")
    timezone = campaign.get("timezone") if isinstance(campaign, dict) else None
    try:
        outgoing = build(
            rendered,
            key=item.key,
            kind=item.kind,
            language=item.language,
            recipient_name=item.recipient_name,
            recipient_email=item.recipient_email,
            sender=sender,
            thread_key=item.thread_key,
            now=rt.clock.now(),
            timezone=timezone or settings.timezone,
        )
    except InvalidAddress as exc:
        return Prepared(None, rendered, mid, Outcome("dead", 1, str(exc), rendered, mid))
    return Prepared(outgoing, rendered, mid)


async def _transmit(
    link: SmtpLink, sender: Sender, item: Claimed, prepared: Prepared, policy: DeliveryPolicy, deadline: float
) -> Outcome:
    assert prepared.outgoing is not None
    options = ["SMTPUTF8", "BODY=8BITMIME"] if prepared.outgoing.smtputf8 else []

    def done(status: str, tries: int, error: str | None = None, stop: bool = False) -> Outcome:
        return Outcome(status, tries, error, prepared.rendered, prepared.message_id, stop)

    tries = 0
    reconnects = 0
    while True:
        remaining = deadline - monotonic()
        if remaining <= 0:
            return done("retry" if tries else "untried", tries, "the delivery run reached its time limit")
        timeout = min(policy.operation_timeout, remaining)
        try:
            client = await link.ensure(timeout)
        except ConnectFailed as exc:
            if reconnects < policy.in_run_retries:
                reconnects += 1
                await asyncio.sleep(policy.pause(reconnects))
                continue
            # a message already tried (and cut off) counts its attempts; an untried one none
            return done("retry" if tries else "untried", tries, str(exc), stop=True)
        tries += 1
        try:
            refused, _reply = await client.sendmail(
                sender.address,
                [item.recipient_email],
                prepared.outgoing.data,
                mail_options=options,
                timeout=timeout,
            )
        except SMTPRecipientsRefused as exc:
            first = exc.recipients[0]
            return done(*_by_code(first.code, f"{first.code} {first.message}", tries))
        except SMTPNotSupported as exc:
            return done("dead", tries, f"the mail server cannot take this address: {exc}")
        except SMTPResponseException as exc:
            if exc.code == 421:  # the server is closing this connection: reconnect and retry
                link.drop()
                if tries <= policy.in_run_retries:
                    await asyncio.sleep(policy.pause(tries))
                    continue
            return done(*_by_code(exc.code, describe(exc), tries))
        except (SMTPServerDisconnected, SMTPTimeoutError, ConnectionError, OSError, TimeoutError) as exc:
            link.drop()
            if tries <= policy.in_run_retries:
                await asyncio.sleep(policy.pause(tries))
                continue
            return done("retry", tries, describe(exc))
        except ValueError as exc:  # aiosmtplib refuses an address it cannot put on the wire
            return done("dead", tries, f"not a valid e-mail address: {exc}")
        # A server may accept some recipients of a transaction and refuse others; we send one
        # recipient per transaction, but read the per-recipient answer all the same.
        refusal = refused.get(item.recipient_email)
        if refusal is not None:
            return done(*_by_code(refusal.code, f"{refusal.code} {refusal.message}", tries))
        return done("sent", tries)


def _by_code(code: int, error: str, tries: int) -> tuple[str, int, str]:
    """5xx is permanent; 4xx (and anything unexpected) is worth another try later."""
    return ("dead" if 500 <= code < 600 else "retry", tries, error)


async def _give_back(
    rt: Runtime,
    items: list[Claimed],
    policy: DeliveryPolicy,
    reason: str,
    report: DeliveryReport,
    *,
    retry_now: bool = False,
) -> None:
    retry_at = rt.clock.now() + (timedelta(0) if retry_now else policy.unreachable_retry())
    await _db(rt, lambda s: claims.give_back(s, items, retry_at, reason))
    report.returned += len(items)


async def _db(rt: Runtime, use_case: Callable[[Session], T]) -> T:
    # Database work runs off the event loop, so a scheduler or web server sharing it keeps going.
    return await asyncio.to_thread(rt.db.run, use_case)
