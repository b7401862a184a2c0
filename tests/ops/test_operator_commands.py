"""The operator's commands: requeue undeliverable mail, unlock / disable / enable an account,
delete a campaign (and restore its backup over it), backup files readable by their owner only."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import select

from parflow.services.common.runtime import Runtime
from parflow.store.models import AuditEntry, Campaign, Person
from tests.support.cli import parflow
from tests.support.mail import SmtpServer, deliver, people, queue_reminders, rows
from tests.support.passwords import PASSWORD
from tests.support.people import HOME_AFFAIRS, SGTVT_FOCAL


def audit_actions(rt: Runtime, action: str) -> list[dict]:
    with rt.db.read() as session:
        return [e.data for e in session.exec(select(AuditEntry).where(AuditEntry.action == action))]


# --- notifications requeue -----------------------------------------------------------------------


def test_requeue_sends_dead_messages_once_the_server_is_fixed(
    mail_rt: Runtime, smtp_server: SmtpServer, campaign: str
) -> None:
    recipients = people(mail_rt)[:3]
    keys = queue_reminders(mail_rt, recipients)
    smtp_server.handler.data_replies = ["554 5.7.1 refused by policy"] * 3  # the server is misconfigured
    first = deliver(mail_rt)
    addresses = {p.email for p in recipients}
    assert first.dead == 3  # (Home Affairs is told, in a delivery_failure message)
    assert not addresses & {r.rcpt_tos[0] for r in smtp_server.handler.received}
    assert [r.status for r in rows(mail_rt, "reminder") if r.key in keys] == ["dead"] * 3

    # nothing else is touched: a campaign with no dead messages, and a message id that is not dead
    assert parflow(mail_rt, "notifications", "requeue", "--campaign", "no-such").exit_code == 1
    requeued = parflow(mail_rt, "notifications", "requeue", "--campaign", campaign)
    assert requeued.exit_code == 0, requeued.stderr
    assert requeued.stdout.startswith("3 message(s) queued again")
    again = [r for r in rows(mail_rt, "reminder") if r.key in keys]
    assert [(r.status, r.attempts) for r in again] == [("pending", 0)] * 3

    second = deliver(mail_rt)
    assert second.sent >= 3
    assert addresses <= {r.rcpt_tos[0] for r in smtp_server.handler.received}
    assert [r.status for r in rows(mail_rt, "reminder") if r.key in keys] == ["sent"] * 3
    nothing = parflow(mail_rt, "notifications", "requeue")
    assert nothing.exit_code == 0 and nothing.stdout.strip() == "no undeliverable messages"


# --- users unlock, disable, enable ---------------------------------------------------------------


def token(client: TestClient, email: str, password: str = PASSWORD) -> int:
    return client.post("/api/v1/auth/token", data={"username": email, "password": password}).status_code


def test_unlock_lets_a_held_back_person_sign_in_at_once(
    rt: Runtime, campaign: str, client: TestClient
) -> None:
    for _ in range(rt.settings.sign_in_max_failures_per_account_address):
        assert token(client, SGTVT_FOCAL, "wrong password") == 401
    assert token(client, SGTVT_FOCAL) == 429  # held back, even with the right password
    unlocked = parflow(rt, "users", "unlock", SGTVT_FOCAL)
    assert unlocked.exit_code == 0, unlocked.stderr
    assert unlocked.stdout.strip() == f"{SGTVT_FOCAL}: 5 failed sign-in(s) forgotten"
    assert token(client, SGTVT_FOCAL) == 200
    assert audit_actions(rt, "account_unlocked") == [{"account": SGTVT_FOCAL}]
    again = parflow(rt, "users", "unlock", SGTVT_FOCAL)
    assert again.stdout.strip() == f"{SGTVT_FOCAL}: no failed sign-ins to forget"
    unknown = parflow(rt, "users", "unlock", "nobody@example.org")
    assert (
        unknown.exit_code == 1
        and unknown.stderr.strip() == "parflow: No user with e-mail nobody@example.org."
    )


def test_disable_ends_sessions_and_sign_in_until_enabled(
    rt: Runtime, campaign: str, client: TestClient, login: Callable[[str], dict[str, str]]
) -> None:
    headers = login(HOME_AFFAIRS)
    assert client.get("/api/v1/campaigns", headers=headers).status_code == 200
    disabled = parflow(rt, "users", "disable", HOME_AFFAIRS)
    assert disabled.exit_code == 0 and disabled.stdout.strip() == f"{HOME_AFFAIRS}: disabled"
    assert client.get("/api/v1/campaigns", headers=headers).status_code == 401  # the open token ends
    assert token(client, HOME_AFFAIRS) == 401
    with rt.db.read() as session:
        assert session.exec(select(Person).where(Person.email == HOME_AFFAIRS)).one().active is False
    assert parflow(rt, "users", "disable", HOME_AFFAIRS).stdout.strip() == f"{HOME_AFFAIRS}: already disabled"

    enabled = parflow(rt, "users", "enable", HOME_AFFAIRS)
    assert enabled.exit_code == 0 and enabled.stdout.strip() == f"{HOME_AFFAIRS}: enabled"
    assert token(client, HOME_AFFAIRS) == 200
    assert audit_actions(rt, "account_disabled") == [{"account": HOME_AFFAIRS}]
    assert audit_actions(rt, "account_enabled") == [{"account": HOME_AFFAIRS}]
    verified = parflow(rt, "audit", "verify", campaign)
    assert verified.exit_code == 0, verified.stderr


# --- campaign delete, then restore over it -------------------------------------------------------


def campaign_rows(rt: Runtime) -> int:
    with rt.db.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(Campaign.__table__)).scalar_one()


@pytest.mark.both_backends
def test_delete_then_import_restores_the_same_audit_head(rt: Runtime, campaign: str, tmp_path: Path) -> None:
    backup = tmp_path / "haiphong.zip"
    exported = parflow(rt, "export", campaign, str(backup))
    assert exported.exit_code == 0, exported.stderr
    # the backup holds password hashes: readable by its owner only
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600

    unconfirmed = parflow(rt, "campaign", "delete", campaign)
    assert unconfirmed.exit_code == 1
    assert "needs confirmation" in unconfirmed.stderr and campaign_rows(rt) == 1

    deleted = parflow(rt, "campaign", "delete", campaign, "--yes")
    assert deleted.exit_code == 0, deleted.stderr
    assert deleted.stdout.splitlines()[0].startswith(f"campaign {campaign}: 35 submissions")
    assert f"campaign {campaign}: deleted (" in deleted.stdout
    head = deleted.stdout.split("its audit head was ")[1].split(".")[0]
    assert campaign_rows(rt) == 0
    with rt.db.read() as session:  # people stay: they may belong to other campaigns
        assert session.exec(select(Person).where(Person.email == HOME_AFFAIRS)).first() is not None

    imported = parflow(rt, "import", str(backup))
    assert imported.exit_code == 0, imported.stderr
    seq, digest = head.split()
    assert f"({seq} entries, head {digest})" in imported.stdout
    assert parflow(rt, "audit", "verify", campaign).exit_code == 0
    assert parflow(rt, "campaign", "delete", "no-such", "--yes").exit_code == 1
