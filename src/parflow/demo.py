"""`parflow demo`: the Hải Phòng 2021 campaign (or, with `--campaign haiphong-2026`, the season in
progress) on embedded SQLite, ready to click through.

The demo lives inside its season: its clock starts at the campaign's `demo.as_of` (today's date when
the campaign names none) and runs in real time from there; stopping and starting again resumes where
the demo clock stopped, so history never runs backwards. Its secret key is generated once and kept
in the data directory.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import col, select

from parflow import demo_season
from parflow.clock import Clock, OffsetClock, SystemClock
from parflow.services.accounts import users
from parflow.services.campaigns.input import CampaignInput, read_campaign
from parflow.services.campaigns.load import LoadReport, load_campaign
from parflow.services.common.runtime import Runtime
from parflow.services.results.previous import import_previous
from parflow.settings import DEMO_SECRET_MARKER, Settings, shipped_dir
from parflow.store.migrate import upgrade
from parflow.store.models import Agency, Campaign, Person, RoleAssignment

EXAMPLE = shipped_dir("examples") / "haiphong-2021"
DEFAULT_PASSWORD = "haiphong2021"
# the campaigns `parflow demo --campaign` offers: the 2021 season (default, scripted clock) and the
# season in progress (today's date, the 2025 results as last year)
EXAMPLES = {"haiphong-2021": EXAMPLE, "haiphong-2026": shipped_dir("examples") / "haiphong-2026"}


@dataclass(frozen=True)
class DemoAccount:
    role: str
    name: str
    email: str
    agency: str | None
    language: str


def demo_settings(data_dir: Path, base_url: str) -> Settings:
    data_dir.mkdir(parents=True, exist_ok=True)
    secret_file = data_dir / "secret_key"
    if not secret_file.exists():
        secret_file.write_text(DEMO_SECRET_MARKER + secrets.token_urlsafe(48))
        secret_file.chmod(0o600)
    return Settings(
        data_dir=data_dir,
        database_url=None,
        secret_key=secret_file.read_text().strip(),
        demo_mode=True,
        base_url=base_url,
    )


class DemoClockFile:
    """Remembers the demo's own 'now' across runs."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "demo-clock.json"

    def resume_from(self, as_of: datetime) -> datetime:
        if self.path.exists():
            saved = datetime.fromisoformat(json.loads(self.path.read_text())["now"])
            return max(saved, as_of)
        return as_of

    def save(self, now: datetime) -> None:
        self.path.write_text(json.dumps({"now": now.astimezone(UTC).isoformat()}))


def demo_clock(data_dir: Path, campaign: CampaignInput, real: Clock | None = None) -> OffsetClock:
    """The campaign's scripted start, or the real time (`real`) when it names none."""
    real = real or SystemClock()
    as_of = campaign.spec.demo.as_of if campaign.spec.demo and campaign.spec.demo.as_of else real.now()
    return OffsetClock(DemoClockFile(data_dir).resume_from(as_of), base=real)


def prepare(rt: Runtime, campaign: CampaignInput) -> tuple[LoadReport, list[DemoAccount], str]:
    """Migrate, load the example campaign, give every demo account the demo password."""
    upgrade(rt.db)
    report = rt.db.run(lambda s: load_campaign(s, rt, campaign))
    password = (campaign.spec.demo.password if campaign.spec.demo else None) or DEFAULT_PASSWORD
    shared_hash = users.hash_password(password)  # one argon2 run for ~85 demo accounts

    def set_passwords(session) -> list[DemoAccount]:  # type: ignore[no-untyped-def]
        rows = session.exec(
            select(Person, RoleAssignment, Agency)
            .join(RoleAssignment, col(RoleAssignment.person_id) == col(Person.id))
            .outerjoin(Agency, col(Agency.id) == col(RoleAssignment.agency_id))
            .order_by(col(RoleAssignment.role), col(Agency.code), col(Person.email))
        ).all()
        accounts = []
        for person, role, agency in rows:
            if person.password_hash is None:
                person.password_hash = shared_hash
                session.add(person)
            accounts.append(
                DemoAccount(
                    role.role, person.name, person.email, agency.code if agency else None, person.language
                )
            )
        return accounts

    accounts = rt.db.run(set_passwords)
    previous_file = campaign.spec.demo.previous_results if campaign.spec.demo else None
    if previous_file:
        _import_previous_once(rt, campaign, Path(campaign.source).parent / previous_file)
    if campaign.spec.demo and campaign.spec.demo.as_of:
        # first run only: agencies part-way through their self-assessment on the demo date
        demo_season.seed_demo(rt, campaign.spec.code, campaign.spec.demo.as_of)
    return report, accounts, password


def _import_previous_once(rt: Runtime, campaign: CampaignInput, path: Path) -> None:
    """Last year's published figures from the file the campaign names (first run only), so the
    comparison shows without loading and replaying last year's campaign."""

    def run(session) -> None:  # type: ignore[no-untyped-def]
        row = session.exec(select(Campaign).where(Campaign.code == campaign.spec.code)).one()
        if row.previous_results is None:
            import_previous(session, rt, None, campaign.spec.code, path.read_bytes(), path.name)

    rt.db.run(run)


def read_example(rt: Runtime, path: Path = EXAMPLE) -> CampaignInput:
    return read_campaign(path, rt.workflows)
