"""A campaign with submissions in every phase, built once through the real services, then copied
for each test: the ground on which the authorisation matrix and the input tests fire requests.

| target | agency | state |
|---|---|---|
| draft | sgtvt | draft, self-assessment complete, one PDF and one link as evidence |
| appraisal | sct | under_appraisal, nothing appraised yet |
| results | stc | under_appraisal, results sent an hour ago (dispute window open) |
| disputed | skhdt | disputed: one open dispute on 1.1.3 (field 1) |
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlmodel import select

from parflow import demo_season
from parflow.clock import FixedClock
from parflow.services.campaigns.input import read_campaign
from parflow.services.campaigns.load import load_campaign
from parflow.services.common.runtime import Runtime
from parflow.services.scoring import disputes
from parflow.store.db import Database
from parflow.store.migrate import upgrade
from parflow.store.models import Agency, Dispute, Evidence, Person, RoleAssignment
from tests.support.databases import EXAMPLE, SEASON_START, give_passwords, runtime_settings
from tests.support.lifecycle import submission_id
from tests.support.people import HOME_AFFAIRS

CAMPAIGN = "haiphong-2021"
TARGET_AGENCIES = {"draft": "sgtvt", "appraisal": "sct", "results": "stc", "disputed": "skhdt"}
OTHER_AGENCY = "stp"  # its people act on the targets' resources: they must see nothing
COUNCIL_IN = "thamdinh.thanh@haiphong.example"  # fields 1 and 4
COUNCIL_OUT = "thamdinh.hau@haiphong.example"  # field 3
CITY_LEADER = "pho-chu-tich.vinh@haiphong.example"
VIEWER = "giam-sat.ngan@haiphong.example"
DISPUTED_LEAF = "1.1.3"


@dataclass
class World:
    db_file: Path
    data_dir: Path
    now: datetime
    submissions: dict[str, int] = field(default_factory=dict)  # target -> submission id
    evidence: dict[str, int] = field(default_factory=dict)  # "file"/"link" -> id (draft target)
    dispute_id: int = 0
    calendar_token: str = ""
    people: dict[str, int] = field(default_factory=dict)  # email -> person id
    agency_people: dict[str, dict[str, str]] = field(default_factory=dict)  # agency -> role -> email


def build_world(base: Path, password_hash: str) -> World:
    data_dir = base / "data"
    db_file = base / "world.db"
    db = Database(f"sqlite:///{db_file}")
    upgrade(db)
    clock = FixedClock(SEASON_START)
    rt = Runtime(settings=runtime_settings(data_dir, db.url), db=db, clock=clock)
    data = read_campaign(EXAMPLE, rt.workflows)
    rt.db.run(lambda s: load_campaign(s, rt, data))
    give_passwords(rt, password_hash)
    world = World(db_file=db_file, data_dir=data_dir, now=clock.now())
    for target, agency in TARGET_AGENCIES.items():
        world.submissions[target] = submission_id(rt, agency)
    draft = world.submissions["draft"]
    demo_season.fill_self_assessment(rt, draft, files=1)
    for target in ("appraisal", "results", "disputed"):
        sid = world.submissions[target]
        demo_season.fill_self_assessment(rt, sid)
        demo_season.fire(rt, sid, "submit")
        demo_season.fire(rt, sid, "start_appraisal", HOME_AFFAIRS)
    for target in ("results", "disputed"):
        sid = world.submissions[target]
        lowered = {DISPUTED_LEAF: (Decimal("0.50"), "Chưa đủ tài liệu chứng minh.")}
        demo_season.appraise(rt, sid, lowered)
        demo_season.fire(rt, sid, "send_results", HOME_AFFAIRS)
    clock.advance(timedelta(hours=1))
    sid = world.submissions["disputed"]

    def file_dispute(session) -> None:  # type: ignore[no-untyped-def]
        principal = demo_season.agency_person(session, sid, "agency_head")
        item = disputes.DisputeIn(DISPUTED_LEAF, "Đã hoàn thành 100% kế hoạch.", None)
        disputes.file_disputes(session, rt, principal, sid, [item])

    rt.db.run(file_dispute)
    with rt.db.read() as session:
        for row in session.exec(select(Evidence).where(Evidence.submission_id == draft)):
            world.evidence["file" if row.sha256 else "link"] = row.id or 0
        world.dispute_id = session.exec(select(Dispute.id).where(Dispute.submission_id == sid)).one() or 0
        world.people = {p.email: p.id or 0 for p in session.exec(select(Person))}
        for agency in session.exec(select(Agency)):
            if agency.calendar_token and agency.code == TARGET_AGENCIES["draft"]:
                world.calendar_token = agency.calendar_token
            rows = session.exec(
                select(RoleAssignment.role, Person.email)
                .join(Person, Person.id == RoleAssignment.person_id)  # type: ignore[arg-type]
                .where(RoleAssignment.agency_id == agency.id)
            ).all()
            world.agency_people[agency.code] = {role: email for role, email in rows}
    world.now = clock.now()
    db.dispose()
    return world


def copy_world(world: World, target: Path) -> tuple[Path, Path]:
    """A private copy (database file and data directory) for one test."""
    db_file = target / "parflow.db"
    restore(world.db_file, db_file)
    data_dir = target / "data"
    if not data_dir.exists():
        shutil.copytree(world.data_dir, data_dir)
    return db_file, data_dir


def restore(source: Path, dest: Path) -> None:
    """Copy a SQLite database with its own backup API (consistent even with WAL files about)."""
    with sqlite3.connect(source) as src, sqlite3.connect(dest) as dst:
        src.backup(dst)
    src.close()
    dst.close()
