"""`parflow export` / `parflow import` carry a whole campaign between SQLite and PostgreSQL.

A season is driven to publication in the source database (evidence files, an extension, a dispute,
exclusions, reminders and escalations, messages sent and pending); the campaign is exported with
the real command and imported into a target on the other backend that already holds another
campaign (so every id changes) and one of the same people. Every row must arrive, row by row; the
audit chain must verify there with the same hashes; evidence files must be in the target's store;
and a tick in the target must recognise the messages already queued (no second copy).
"""

from __future__ import annotations

import json
import zipfile
from datetime import timedelta
from pathlib import Path

from sqlmodel import col, select

from parflow.services.deadlines.tick import tick
from parflow.services.evidence.store import blob_path
from parflow.store.models import Campaign, Notification, Person
from tests.backup.compare import compare
from tests.backup.conftest import Side, load, parflow
from tests.backup.season import CAMPAIGN, drive_season
from tests.support.databases import EXAMPLE, FIXTURES
from tests.support.people import HOME_AFFAIRS


def notifications(side: Side) -> list[Notification]:
    with side.rt.db.read() as session:
        cid = session.exec(select(Campaign.id).where(Campaign.code == CAMPAIGN)).one()
        return list(
            session.exec(
                select(Notification).where(Notification.campaign_id == cid).order_by(col(Notification.id))
            )
        )


def test_round_trip_between_backends(pair: tuple[Side, Side], password_hash: str, tmp_path: Path) -> None:
    source, target = pair
    load(source, EXAMPLE, password_hash)
    drive_season(source.rt)
    # the target already has a campaign (other ids) and knows the Home Affairs officer by e-mail
    load(target, FIXTURES / "mini", password_hash)

    def known_officer(session) -> None:  # type: ignore[no-untyped-def]
        session.add(
            Person(email=HOME_AFFAIRS, name="Nguyễn Thị Nhung (đã có)", created_at=source.rt.clock.now())
        )

    target.rt.db.run(known_officer)

    backup = tmp_path / "haiphong.parflow.zip"
    exported = parflow(source, "export", CAMPAIGN, str(backup))
    assert exported.returncode == 0, exported.stderr
    with zipfile.ZipFile(backup) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["format_version"] == 1
        files = manifest["evidence"]["files"]
        assert len(files) == 2 and not manifest["evidence"]["missing"]
        assert {f"evidence/{sha}" for sha in files} <= set(archive.namelist())

    imported = parflow(target, "import", str(backup))
    assert imported.returncode == 0, imported.stderr
    assert "1 people were already known" in imported.stdout

    compared = compare(source.rt.db, target.rt.db, CAMPAIGN, kept_people={HOME_AFFAIRS})
    assert compared > 1500
    with target.rt.db.read() as session:
        officer = session.exec(select(Person).where(Person.email == HOME_AFFAIRS)).one()
        assert officer.name == "Nguyễn Thị Nhung (đã có)" and officer.password_hash is None
    for sha in files:
        assert (
            blob_path(target.rt.settings.evidence_dir, sha).read_bytes()
            == blob_path(source.rt.settings.evidence_dir, sha).read_bytes()
        )

    verified = parflow(target, "audit", "verify", CAMPAIGN)
    assert verified.returncode == 0, verified.stderr
    assert "1 published results snapshot(s) anchored" in verified.stdout
    source_head = parflow(source, "audit", "verify", CAMPAIGN).stdout.split("head ")[1][:64]
    assert source_head in verified.stdout

    # the outbox keys moved with the ids: ticks at the same later instant queue the same messages
    before = {n.key for n in notifications(target)}
    assert len(before) == len(notifications(source)) > 50
    later = source.rt.clock.now() + timedelta(days=3)
    for side in (source, target):
        tick(side.rt, later)
    new_source = [n for n in notifications(source)][len(before) :]
    new_target = [n for n in notifications(target) if n.key not in before]
    assert sorted((n.kind, n.recipient_email) for n in new_source) == sorted(
        (n.kind, n.recipient_email) for n in new_target
    )
    assert all(n.key in before for n in notifications(target)[: len(before)])

    # and back again: the target's export holds the same campaign
    again = tmp_path / "again.zip"
    assert parflow(target, "export", CAMPAIGN, str(again)).returncode == 0
    with zipfile.ZipFile(again) as archive:
        manifest_again = json.loads(archive.read("manifest.json"))
    assert {k: v["rows"] for k, v in manifest_again["tables"].items()} == {
        k: v["rows"] for k, v in manifest["tables"].items()
    } | {"notification": manifest_again["tables"]["notification"]["rows"]}
    assert manifest_again["evidence"]["files"] == files
