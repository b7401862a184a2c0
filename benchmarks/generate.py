# ruff: noqa: E402  (imports follow the sys.path fix on purpose)
"""Generate a national data set: 63 provinces, each running its own PAR Index campaign.

Each province is one campaign (its own people, council, calendar, audit chain and publication,
as in reality: every province assesses its own agencies), built from `examples/haiphong-2021/`
through the ordinary campaign loader, then filled in bulk as if the season had run up to
`--as-of`: self-scores and appraisals of every leaf, survey values, the transitions of each
submission as hash-chained audit entries (the chain verifies), disputes, and the messages those
transitions sent (outbox rows, delivered). `next_due_at` is then re-planned by the service, so a
tick at `--as-of` finds nothing due.

Sizes (`--size`):
  national   63 provinces x 35 agencies (departments and districts)        =   2,205 submissions
  communes   63 provinces x 350 agencies (districts and communes)          =  22,050 submissions
  tick       63 provinces x 1,750 agencies                                 = 110,250 submissions
  N          any number of agencies per province (e.g. --size 10 for 630)

At `tick` size scores are left out by default (9 million score rows would take most of an hour
on this machine and the tick never reads them); `--scores` puts them back, `--no-scores` leaves
them out at any size. Transition history and outbox rows are always written.

    .venv/bin/python benchmarks/generate.py --size national --database-url sqlite:///national.db
    .venv/bin/python benchmarks/generate.py --size communes \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test --schema national
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/transitions.py shares its name with the `transitions` library: running a script from
# this folder puts the folder first on sys.path, so take it off before anything imports the library
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import dataclasses
import hashlib
import json
import random
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from parflow.clock import FixedClock
from parflow.services.campaigns.input import AgencySpec, CampaignInput, PersonRef, PersonSpec, read_campaign
from parflow.services.campaigns.load import load_campaign
from parflow.services.common import audit
from parflow.services.common.notices import agency_ref, campaign_ref
from parflow.services.common.runtime import Runtime
from parflow.services.deadlines import sync as deadline_sync
from parflow.settings import PROJECT_ROOT, Settings
from parflow.store.db import Database
from parflow.store.migrate import upgrade
from parflow.store.models import (
    Agency,
    AuditEntry,
    AuditHead,
    Campaign,
    Criterion,
    Dispute,
    Notification,
    Person,
    RoleAssignment,
    Score,
    Submission,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
EXAMPLE = PROJECT_ROOT / "examples" / "haiphong-2021"
SIZES = {"national": 35, "communes": 350, "tick": 1_750}
LOADED_AT = datetime(2021, 12, 1, 8, 0, tzinfo=VN).astimezone(UTC)
# Late in the appraisal season: most agencies appraised, some approved, a few still late
AS_OF = datetime(2022, 3, 14, 9, 0, tzinfo=VN).astimezone(UTC)

# The 63 provinces and centrally-run cities of 2021 (slug, name).
PROVINCES = [
    ("ha-noi", "Thành phố Hà Nội"),
    ("ho-chi-minh", "Thành phố Hồ Chí Minh"),
    ("hai-phong", "Thành phố Hải Phòng"),
    ("da-nang", "Thành phố Đà Nẵng"),
    ("can-tho", "Thành phố Cần Thơ"),
    ("an-giang", "An Giang"),
    ("ba-ria-vung-tau", "Bà Rịa - Vũng Tàu"),
    ("bac-giang", "Bắc Giang"),
    ("bac-kan", "Bắc Kạn"),
    ("bac-lieu", "Bạc Liêu"),
    ("bac-ninh", "Bắc Ninh"),
    ("ben-tre", "Bến Tre"),
    ("binh-dinh", "Bình Định"),
    ("binh-duong", "Bình Dương"),
    ("binh-phuoc", "Bình Phước"),
    ("binh-thuan", "Bình Thuận"),
    ("ca-mau", "Cà Mau"),
    ("cao-bang", "Cao Bằng"),
    ("dak-lak", "Đắk Lắk"),
    ("dak-nong", "Đắk Nông"),
    ("dien-bien", "Điện Biên"),
    ("dong-nai", "Đồng Nai"),
    ("dong-thap", "Đồng Tháp"),
    ("gia-lai", "Gia Lai"),
    ("ha-giang", "Hà Giang"),
    ("ha-nam", "Hà Nam"),
    ("ha-tinh", "Hà Tĩnh"),
    ("hai-duong", "Hải Dương"),
    ("hau-giang", "Hậu Giang"),
    ("hoa-binh", "Hòa Bình"),
    ("hung-yen", "Hưng Yên"),
    ("khanh-hoa", "Khánh Hòa"),
    ("kien-giang", "Kiên Giang"),
    ("kon-tum", "Kon Tum"),
    ("lai-chau", "Lai Châu"),
    ("lam-dong", "Lâm Đồng"),
    ("lang-son", "Lạng Sơn"),
    ("lao-cai", "Lào Cai"),
    ("long-an", "Long An"),
    ("nam-dinh", "Nam Định"),
    ("nghe-an", "Nghệ An"),
    ("ninh-binh", "Ninh Bình"),
    ("ninh-thuan", "Ninh Thuận"),
    ("phu-tho", "Phú Thọ"),
    ("phu-yen", "Phú Yên"),
    ("quang-binh", "Quảng Bình"),
    ("quang-nam", "Quảng Nam"),
    ("quang-ngai", "Quảng Ngãi"),
    ("quang-ninh", "Quảng Ninh"),
    ("quang-tri", "Quảng Trị"),
    ("soc-trang", "Sóc Trăng"),
    ("son-la", "Sơn La"),
    ("tay-ninh", "Tây Ninh"),
    ("thai-binh", "Thái Bình"),
    ("thai-nguyen", "Thái Nguyên"),
    ("thanh-hoa", "Thanh Hóa"),
    ("thua-thien-hue", "Thừa Thiên Huế"),
    ("tien-giang", "Tiền Giang"),
    ("tra-vinh", "Trà Vinh"),
    ("tuyen-quang", "Tuyên Quang"),
    ("vinh-long", "Vĩnh Long"),
    ("vinh-phuc", "Vĩnh Phúc"),
    ("yen-bai", "Yên Bái"),
]

# Where each submission stands at AS_OF (cumulative shares): late drafts, waiting for appraisal,
# under appraisal without / with results sent, disputed, approved.
STAGES = (
    ("draft", 0.03),
    ("self_scored", 0.08),
    ("under_appraisal", 0.35),
    ("results_sent", 0.55),
    ("disputed", 0.62),
    ("approved", 1.0),
)


@dataclass
class Summary:
    campaigns: int = 0
    submissions: int = 0
    scores: int = 0
    audit_entries: int = 0
    notifications: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"{self.campaigns} campaigns, {self.submissions:,} submissions, {self.scores:,} scores, "
            f"{self.audit_entries:,} audit entries, {self.notifications:,} messages in {self.seconds:.0f} s"
        )


# --- campaign input ------------------------------------------------------------------------------


def _person(ref: PersonRef, slug: str) -> PersonRef:
    local, _domain = ref.email.split("@", 1)
    return ref.model_copy(update={"email": f"{local}@{slug}.example"})


def province_input(base: CampaignInput, index: int, agencies: int) -> CampaignInput:
    """Hải Phòng's campaign re-addressed to province `index`, with `agencies` agencies: the 35
    example agencies, then communes (xã, phường) sharing the districts' criteria set."""
    slug, name = PROVINCES[index % len(PROVINCES)]
    if index >= len(PROVINCES):
        slug, name = f"{slug}-{index // len(PROVINCES)}", f"{name} ({index // len(PROVINCES)})"
    chosen = list(base.agencies)
    if agencies < len(chosen):
        # a small province still has departments and districts (both criteria sets)
        departments = [a for a in chosen if a.group == "department"]
        districts = [a for a in chosen if a.group != "department"]
        chosen = departments[: (agencies + 1) // 2] + districts[: agencies // 2]
    listed: list[AgencySpec] = []
    for spec in chosen[:agencies]:
        listed.append(
            spec.model_copy(
                update={"focal_point": _person(spec.focal_point, slug), "head": _person(spec.head, slug)}
            )
        )
    for n in range(len(listed), agencies):
        urban = n % 4 == 0
        kind, kind_en = ("Phường", "Ward") if urban else ("Xã", "Commune")
        code = f"xa-{n:04d}"
        listed.append(
            AgencySpec(
                code=code,
                name=f"UBND {kind.lower()} số {n} ({name})",
                name_en=f"{kind_en} {n} People's Committee",
                group="urban_district" if urban else "rural_district",
                focal_point=PersonRef(
                    name=f"Cán bộ đầu mối {kind.lower()} {n}", email=f"dau-moi.{code}@{slug}.example"
                ),
                head=PersonRef(
                    name=f"Chủ tịch UBND {kind.lower()} {n}", email=f"chu-tich.{code}@{slug}.example"
                ),
            )
        )
    codes = {a.code for a in listed}
    people: list[PersonSpec] = []
    for person in base.people:
        roles = tuple(r for r in person.roles if r.agency is None or r.agency in codes)
        if roles:
            people.append(person.model_copy(update={"email": _person(person, slug).email, "roles": roles}))
    spec = base.spec.model_copy(
        update={
            "code": f"{slug}-2021",
            "title": f"Chỉ số cải cách hành chính năm 2021 — {name}",
        }
    )
    digest = hashlib.sha256(f"{base.digest}:{slug}:{agencies}".encode()).hexdigest()
    return dataclasses.replace(base, spec=spec, agencies=listed, people=people, digest=digest)


# --- bulk writing ----------------------------------------------------------------------------------


def _copy_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def bulk_insert(conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows: COPY on PostgreSQL, executemany elsewhere. All rows have the same keys."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(sa.insert(table), list(rows))
        return
    columns = list(rows[0])
    raw = conn.connection.driver_connection
    quoted = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row([_copy_value(row[c]) for c in columns])


# --- one province's season -------------------------------------------------------------------------


def _stage(rng: random.Random) -> str:
    draw = rng.random()
    return next(name for name, share in STAGES if draw < share)


def _between(rng: random.Random, start: datetime, days: float) -> datetime:
    return start + timedelta(seconds=rng.random() * days * 86_400)


def _local(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=VN).astimezone(UTC)


@dataclass
class Event:
    at: datetime
    submission_id: int
    agency_code: str
    actor: Person
    role: str
    action: str
    trigger: str | None = None
    from_state: str | None = None
    to_state: str | None = None
    data: dict[str, Any] = dataclasses.field(default_factory=dict)
    notify: tuple[str, tuple[str, ...]] | None = None  # (kind, recipient roles)


def fill_province(
    conn: Connection, session: Session, campaign: Campaign, rng: random.Random, scores: bool
) -> Summary:
    """Play the season of one campaign up to AS_OF, in bulk."""
    cid = campaign.id or 0
    summary = Summary()
    agencies = {a.id: a for a in session.exec(select(Agency).where(Agency.campaign_id == cid))}
    subs = list(
        session.exec(select(Submission).where(Submission.campaign_id == cid).order_by(col(Submission.id)))
    )
    set_ids = {s.criteria_set_id for s in subs}
    leaves: dict[int | None, list[Criterion]] = {sid: [] for sid in set_ids}
    for node in session.exec(
        select(Criterion)
        .where(col(Criterion.set_id).in_(set_ids), col(Criterion.is_leaf))
        .order_by(col(Criterion.position))
    ):
        leaves[node.set_id].append(node)
    holders: dict[tuple[str, int | None], list[Person]] = {}
    council: list[tuple[Person, set[str]]] = []
    for person, role in session.exec(
        select(Person, RoleAssignment)
        .join(RoleAssignment, col(RoleAssignment.person_id) == col(Person.id))
        .where(RoleAssignment.campaign_id == cid)
    ):
        holders.setdefault((role.role, role.agency_id), []).append(person)
        if role.role == "council":
            council.append((person, set(role.fields)))
    home_affairs = holders[("home_affairs", None)]
    leader = holders.get(("city_leader", None), home_affairs)[0]

    score_rows: list[dict[str, Any]] = []
    dispute_rows: list[dict[str, Any]] = []
    events: list[Event] = []
    updates: list[dict[str, Any]] = []
    for sub in subs:
        agency = agencies[sub.agency_id]
        editor = holders[("agency_editor", agency.id)][0]
        head = holders[("agency_head", agency.id)][0]
        stage = _stage(rng)
        nodes = leaves[sub.criteria_set_id]
        quality = rng.uniform(0.72, 1.0)  # how good this agency is: self-scores near it
        version = 1
        values: dict[str, Any] = {
            "b_id": sub.id,
            "state": "draft",
            "submitted_at": None,
            "results_sent_at": None,
            "state_changed_at": LOADED_AT,
            "sipas_percent": None,
        }
        marks: dict[str, tuple[Decimal, Decimal | None]] = {}
        for node in nodes:
            if node.scored_by != "agency":
                continue
            self_score = (node.max_score * Decimal(str(round(rng.uniform(quality - 0.1, 1.0), 2)))).quantize(
                Decimal("0.01")
            )
            self_score = min(max(self_score, Decimal(0)), node.max_score)
            cut = Decimal("0.25") if rng.random() < 0.12 and self_score >= Decimal("0.25") else Decimal(0)
            marks[node.code] = (self_score, self_score - cut)
        t = _between(rng, _local(date(2022, 1, 4), 8), 9)
        version += 1
        events.append(
            Event(
                t,
                sub.id or 0,
                agency.code,
                editor,
                "agency_editor",
                "score",
                data={
                    "version": version,
                    "changes": [
                        {"criterion": c, "from": None, "to": str(v[0]), "explanation": None}
                        for c, v in marks.items()
                    ],
                },
            )
        )
        appraised = stage not in ("draft", "self_scored")
        results_sent = stage in ("results_sent", "disputed", "approved")
        if stage != "draft":
            t += timedelta(hours=rng.uniform(1, 48))
            version += 1
            values.update(state="self_scored", submitted_at=t, state_changed_at=t)
            events.append(
                Event(
                    t,
                    sub.id or 0,
                    agency.code,
                    head,
                    "agency_head",
                    "transition",
                    "submit",
                    "draft",
                    "self_scored",
                    {"version": version, "milestone": "self_assessment_due"},
                    ("submitted", ("home_affairs",)),
                )
            )
        if appraised:
            t = max(t, _local(date(2022, 1, 17), 8)) + timedelta(hours=rng.uniform(1, 72))
            version += 1
            values.update(state="under_appraisal", state_changed_at=t)
            events.append(
                Event(
                    t,
                    sub.id or 0,
                    agency.code,
                    home_affairs[0],
                    "home_affairs",
                    "transition",
                    "start_appraisal",
                    "self_scored",
                    "under_appraisal",
                    {"version": version, "milestone": None},
                    ("appraisal_started", ("agency_editor",)),
                )
            )
            for member, fields in council:
                mine = [n for n in nodes if n.scored_by == "agency" and n.field_code in fields]
                if not mine:
                    continue
                t += timedelta(hours=rng.uniform(2, 100))
                version += 1
                changes = [
                    {"criterion": n.code, "from": None, "to": str(marks[n.code][1]), "comment": None}
                    for n in mine
                ]
                events.append(
                    Event(
                        t,
                        sub.id or 0,
                        agency.code,
                        member,
                        "council",
                        "appraisal",
                        data={"version": version, "changes": changes},
                    )
                )
        if results_sent:
            t = min(t + timedelta(hours=rng.uniform(1, 24)), _local(date(2022, 2, 28), 16))
            version += 1
            values.update(results_sent_at=t)
            events.append(
                Event(
                    t,
                    sub.id or 0,
                    agency.code,
                    home_affairs[0],
                    "home_affairs",
                    "transition",
                    "send_results",
                    "under_appraisal",
                    "under_appraisal",
                    {"version": version, "milestone": "appraisal_due"},
                    ("results_sent", ("agency_editor", "agency_head")),
                )
            )
        if stage == "disputed":
            t += timedelta(days=rng.uniform(1, 4))
            disputed = rng.sample(sorted(marks), k=min(2, len(marks)))
            for code in disputed:
                dispute_rows.append(
                    dict(
                        submission_id=sub.id,
                        criterion_code=code,
                        argument="Đề nghị xem xét lại điểm thẩm định.",
                        filed_by=head.id,
                        filed_at=t,
                        owner_id=council[0][0].id if council else None,
                        status="open",
                    )
                )
            version += 1
            values.update(state="disputed", state_changed_at=t)
            events.append(
                Event(
                    t,
                    sub.id or 0,
                    agency.code,
                    head,
                    "agency_head",
                    "transition",
                    "dispute",
                    "under_appraisal",
                    "disputed",
                    {"version": version, "milestone": None, "criteria": disputed},
                )
            )
        if stage == "approved":
            t = max(t, _local(date(2022, 3, 8), 9)) + timedelta(hours=rng.uniform(0, 100))
            t = min(t, AS_OF - timedelta(minutes=5))
            version += 1
            values.update(
                state="approved",
                state_changed_at=t,
                sipas_percent=Decimal(str(round(rng.uniform(75, 95), 2))),
            )
            events.append(
                Event(
                    t,
                    sub.id or 0,
                    agency.code,
                    leader,
                    "city_leader",
                    "transition",
                    "approve",
                    "under_appraisal",
                    "approved",
                    {"version": version, "milestone": "approval_due"},
                    ("approved", ("agency_head", "agency_editor")),
                )
            )
        values["version"] = version
        updates.append(values)
        if scores:
            self_at = events[-1].at if stage == "draft" else values["submitted_at"] - timedelta(hours=1)
            for node in nodes:
                row: dict[str, Any] = dict(
                    submission_id=sub.id,
                    criterion_code=node.code,
                    self_score=None,
                    explanation=None,
                    self_by=None,
                    self_at=None,
                    appraised_score=None,
                    appraisal_comment=None,
                    appraised_by=None,
                    appraised_at=None,
                    survey_score=None,
                )
                if node.scored_by == "agency":
                    own, final = marks[node.code]
                    row.update(self_score=own, self_by=editor.id, self_at=self_at)
                    if own == node.max_score or rng.random() < 0.3:
                        pass
                    else:
                        row["explanation"] = "Đã thực hiện một phần; xem tài liệu kiểm chứng."
                    if appraised:
                        member = next((m for m, f in council if node.field_code in f), home_affairs[0])
                        row.update(
                            appraised_score=final,
                            appraised_by=member.id,
                            appraised_at=values["state_changed_at"],
                        )
                        if final != own:
                            row["appraisal_comment"] = "Chưa đủ tài liệu kiểm chứng cho toàn bộ nội dung."
                elif stage == "approved":
                    row["survey_score"] = (
                        node.max_score * Decimal(str(round(rng.uniform(0.7, 0.98), 2)))
                    ).quantize(Decimal("0.01"))
                score_rows.append(row)
    # the chain: continue from the campaign's head, in time order
    head_row = session.get(AuditHead, cid)
    assert head_row is not None
    seq, prev = head_row.seq, head_row.hash
    events.sort(key=lambda e: (e.at, e.submission_id))
    audit_rows: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    camp = campaign_ref(campaign)
    for event in events:
        seq += 1
        row = dict(
            campaign_id=cid,
            seq=seq,
            submission_id=event.submission_id,
            at=event.at,
            actor_id=event.actor.id,
            actor_role=event.role,
            action=event.action,
            trigger=event.trigger,
            from_state=event.from_state,
            to_state=event.to_state,
            comment=None,
            data=audit._plain({**event.data, "agency": event.agency_code, "actor": event.actor.email}),
            prev_hash=prev,
        )
        # the service's own hash function, on a light stand-in for the row (no ORM object needed)
        prev = row["hash"] = audit.entry_hash(SimpleNamespace(**row), campaign.code)  # type: ignore[arg-type]
        audit_rows.append(row)
        if event.notify:
            kind, roles = event.notify
            agency = next(a for a in agencies.values() if a.code == event.agency_code)
            context = {
                "campaign": camp,
                "agency": agency_ref(agency),
                "submission_id": event.submission_id,
                "action_path": f"/submissions/{event.submission_id}",
                "trigger": event.trigger,
                "from_state": {"key": event.from_state},
                "to_state": {"key": event.to_state},
                "actor_name": event.actor.name,
                "comment": None,
                "at": event.at.isoformat(),
            }
            for role in roles:
                for person in holders.get((role, None), []) + holders.get((role, agency.id), []):
                    if person.id == event.actor.id:
                        continue
                    sent = event.at + timedelta(minutes=1)
                    notes.append(
                        dict(
                            key=f"event:{cid}:{seq}:{kind}:{person.id}",
                            campaign_id=cid,
                            submission_id=event.submission_id,
                            person_id=person.id,
                            recipient_email=person.email,
                            recipient_name=person.name,
                            language=person.language,
                            kind=kind,
                            context=context,
                            subject=f"[Chỉ số CCHC] {agency.name}: {kind}",
                            body_text=None,
                            body_html=None,
                            status="sent",
                            attempts=1,
                            next_attempt_at=event.at,
                            last_error=None,
                            sent_at=sent,
                            message_id=f"<gen-{cid}-{seq}-{person.id}@parflow>",
                            thread_key=f"submission-{event.submission_id}",
                            late=False,
                            due_at=None,
                            created_at=event.at,
                        )
                    )
    bulk_insert(conn, Score.__table__, score_rows)  # type: ignore[attr-defined]
    bulk_insert(conn, Dispute.__table__, dispute_rows)  # type: ignore[attr-defined]
    bulk_insert(conn, AuditEntry.__table__, audit_rows)  # type: ignore[attr-defined]
    bulk_insert(conn, Notification.__table__, notes)  # type: ignore[attr-defined]
    conn.execute(
        sa.update(AuditHead.__table__).where(AuditHead.campaign_id == cid).values(seq=seq, hash=prev)  # type: ignore[attr-defined]
    )
    table = Submission.__table__  # type: ignore[attr-defined]
    conn.execute(
        sa.update(table)
        .where(table.c.id == sa.bindparam("b_id"))
        .values(
            state=sa.bindparam("state"),
            version=sa.bindparam("version"),
            submitted_at=sa.bindparam("submitted_at"),
            results_sent_at=sa.bindparam("results_sent_at"),
            state_changed_at=sa.bindparam("state_changed_at"),
            sipas_percent=sa.bindparam("sipas_percent"),
        ),
        updates,
    )
    summary.submissions = len(subs)
    summary.scores = len(score_rows)
    summary.audit_entries = len(audit_rows)
    summary.notifications = len(notes)
    return summary


# --- the whole set ---------------------------------------------------------------------------------


def runtime_for(url: str, data_dir: Path, now: datetime = LOADED_AT) -> Runtime:
    settings = Settings(
        data_dir=data_dir, database_url=url, secret_key="generate-" + "x" * 40, _env_file=None
    )  # type: ignore[call-arg]
    return Runtime(settings=settings, db=Database(url), clock=FixedClock(now))


def generate(
    rt: Runtime,
    *,
    provinces: int = 63,
    agencies: int = 35,
    scores: bool = True,
    seed: int = 2021,
    start: int = 0,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Create `provinces` campaigns of `agencies` agencies and play their season up to AS_OF.

    One transaction per province: a crash leaves whole provinces behind, never half of one."""
    started = time.perf_counter()
    base = read_campaign(EXAMPLE, rt.workflows)
    summary = Summary()
    rng = random.Random(seed)
    for index in range(start, start + provinces):
        data = province_input(base, index, agencies)
        rt.clock.set(LOADED_AT)  # type: ignore[attr-defined]
        with rt.db.write() as session:
            load_campaign(session, rt, data)
        with rt.db.write() as session:
            campaign = session.exec(select(Campaign).where(Campaign.code == data.spec.code)).one()
            part = fill_province(session.connection(), session, campaign, rng, scores)
            # re-plan every deadline as of AS_OF, as the services would have done along the way
            session.expire_all()
            rt.clock.set(AS_OF)  # type: ignore[attr-defined]
            campaign = session.exec(select(Campaign).where(Campaign.code == data.spec.code)).one()
            # the ticks of the season have run: nothing from before AS_OF is still waiting
            campaign.next_due_at = None
            subs = list(session.exec(select(Submission).where(Submission.campaign_id == campaign.id)))
            for sub in subs:
                sub.next_due_at = None
            deadline_sync.refresh(session, rt, campaign, subs)
        summary.campaigns += 1
        for name in ("submissions", "scores", "audit_entries", "notifications"):
            setattr(summary, name, getattr(summary, name) + getattr(part, name))
        if progress:
            progress(part.submissions)
    summary.seconds = time.perf_counter() - started
    _analyze(rt.db)
    return summary


def _analyze(db: Database) -> None:
    """Fresh planner statistics, as autovacuum would give a database that grew over a season."""
    with db.engine.connect() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql("ANALYZE")
        else:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


def postgres_schema_url(base_url: str, schema: str, *, fresh: bool = True) -> str:
    """A URL whose connections work in `schema` (created, or emptied first when `fresh`)."""
    engine = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if fresh:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    engine.dispose()
    return f"{base_url}{'&' if '?' in base_url else '?'}options=-csearch_path%3D{schema}"


def drop_postgres_schema(base_url: str, schema: str) -> None:
    engine = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def build(
    url: str,
    data_dir: Path,
    *,
    agencies: int,
    provinces: int = 63,
    scores: bool = True,
    show_progress: bool = True,
) -> tuple[Runtime, Summary]:
    """Migrate an empty database at `url` and fill it; the runtime's clock is left at AS_OF."""
    rt = runtime_for(url, data_dir)
    upgrade(rt.db)
    total = provinces * agencies
    if not show_progress:
        return rt, generate(rt, provinces=provinces, agencies=agencies, scores=scores)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=False) as bar:
        task = bar.add_task(f"{provinces} provinces x {agencies} agencies", total=total)
        summary = generate(
            rt, provinces=provinces, agencies=agencies, scores=scores, progress=lambda n: bar.advance(task, n)
        )
    return rt, summary


def _agencies(size: str) -> int:
    return SIZES[size] if size in SIZES else int(size)


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--size", default="national", help="national | communes | tick | agencies per province"
    )
    parser.add_argument("--provinces", type=int, default=63)
    parser.add_argument("--database-url", help="default: a SQLite file parflow-national.db here")
    parser.add_argument("--schema", help="PostgreSQL: work in this schema (dropped and re-created)")
    scores = parser.add_mutually_exclusive_group()
    scores.add_argument("--scores", dest="scores", action="store_true", default=None)
    scores.add_argument("--no-scores", dest="scores", action="store_false")
    args = parser.parse_args(list(argv) if argv is not None else None)
    agencies = _agencies(args.size)
    url = args.database_url or f"sqlite:///{Path.cwd() / 'parflow-national.db'}"
    if args.schema and not url.startswith("sqlite"):
        url = postgres_schema_url(url, args.schema)
    with_scores = args.scores if args.scores is not None else args.size != "tick"
    with tempfile.TemporaryDirectory() as tmp:
        rt, summary = build(url, Path(tmp), agencies=agencies, provinces=args.provinces, scores=with_scores)
        rt.db.dispose()
    print(summary.line())
    print(f"database: {url}")


if __name__ == "__main__":
    main()
