"""A plausible Hải Phòng 2021 season, driven through the real use cases.

Used by `parflow demo` (to show a campaign in progress on its first run), by the tests (to move
submissions through the workflow without 35 × 80 HTTP calls) and by `examples/drive_season.py`
(for the values it sends over HTTP). Every value is derived deterministically from the agency and
leaf codes, so runs are reproducible; better-run agencies (by their published 2021 rank) score
higher. Nothing here writes to the database except through the services, so the audit trail,
versions and notifications are exactly what a real season produces.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from parflow.clock import FixedClock
from parflow.services.common import audit
from parflow.services.common.access import Principal, load_principal
from parflow.services.common.runtime import Runtime
from parflow.services.evidence import service as evidence
from parflow.services.evidence.store import BlobWriter
from parflow.services.evidence.types import PDF
from parflow.services.lifecycle.submissions import fire_event
from parflow.services.scoring import appraisal, self_assessment
from parflow.services.scoring.score_sheet import criteria_of, scores_of
from parflow.store.models import (
    Agency,
    AuditEntry,
    Campaign,
    Criterion,
    Person,
    RoleAssignment,
    Score,
    Submission,
)

CENT = Decimal("0.01")

# How well each agency runs its reform, 0..1. The top of each group follows the published 2021
# results (Sở GTVT 95,98; Thanh tra 93,00; Sở TT&TT 92,57; quận Dương Kinh 91,26; Ngô Quyền 91,07).
QUALITY: dict[str, float] = {
    "sgtvt": 0.985, "ttr": 0.95, "stttt": 0.95, "snv": 0.94, "vp-ubnd": 0.93, "stp": 0.93,
    "skhdt": 0.92, "stc": 0.92, "syt": 0.90, "sgddt": 0.90, "sct": 0.89, "sxd": 0.89,
    "stnmt": 0.88, "snnptnt": 0.88, "skhcn": 0.88, "sldtbxh": 0.87, "sngv": 0.87, "svhtt": 0.86,
    "sdl": 0.86, "bqlkkt": 0.85,
    "q-duong-kinh": 0.95, "q-ngo-quyen": 0.945, "q-hong-bang": 0.93, "q-le-chan": 0.93,
    "q-hai-an": 0.91, "q-kien-an": 0.89, "q-do-son": 0.87,
    "h-thuy-nguyen": 0.93, "h-an-duong": 0.92, "h-an-lao": 0.89, "h-vinh-bao": 0.89,
    "h-kien-thuy": 0.88, "h-tien-lang": 0.88, "h-cat-hai": 0.86, "h-bach-long-vi": 0.84,
}  # fmt: skip


def _unit(*parts: str) -> float:
    digest = hashlib.sha256(":".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def quality(agency: str) -> float:
    return QUALITY.get(agency, 0.85 + 0.1 * _unit("quality", agency))


def _half(maximum: Decimal) -> Decimal:
    return (maximum / 2).quantize(CENT, rounding=ROUND_HALF_UP)


def self_score(agency: str, leaf: str, maximum: Decimal) -> Decimal:
    """Agencies are optimistic: most leaves at full marks, some at half, a few at zero."""
    q = min(quality(agency) + 0.04, 0.995)
    u = _unit("self", agency, leaf)
    if u < q:
        return maximum.quantize(CENT)
    return _half(maximum) if u < q + (1 - q) / 2 else Decimal("0.00")


@dataclass(frozen=True)
class Appraised:
    score: Decimal
    comment: str | None


ADJUSTMENTS = (
    "Tài liệu kiểm chứng chưa thể hiện đầy đủ kết quả thực hiện; chấm theo mức đạt được.",
    "Báo cáo gửi chậm so với thời hạn quy định; trừ điểm theo hướng dẫn.",
    "Số liệu tự chấm chưa khớp với số liệu trên hệ thống của thành phố.",
    "Chưa có văn bản chứng minh hoàn thành 100% nhiệm vụ.",
)


def appraised(agency: str, leaf: str, maximum: Decimal, self_value: Decimal | None) -> Appraised:
    """The council agrees with most self-scores and lowers a few, always saying why."""
    base = self_value if self_value is not None else Decimal("0.00")
    u = _unit("appraise", agency, leaf)
    if base > 0 and u > quality(agency) - 0.015:
        lowered = _half(base) if base == maximum else Decimal("0.00")
        reason = ADJUSTMENTS[int(_unit("reason", agency, leaf) * len(ADJUSTMENTS))]
        return Appraised(lowered, reason)
    return Appraised(base, None)


def survey_score(agency: str, leaf: str, maximum: Decimal) -> Decimal:
    share = quality(agency) - 0.11 + 0.08 * _unit("survey", agency, leaf)
    value = (maximum * Decimal(str(round(share, 4)))).quantize(CENT, rounding=ROUND_HALF_UP)
    return min(max(value, Decimal("0.00")), maximum)


def sipas(agency: str) -> Decimal:
    share = quality(agency) - 0.04 + 0.05 * _unit("sipas", agency)
    return (Decimal(str(round(share, 4))) * 100).quantize(CENT, rounding=ROUND_HALF_UP)


def explanation(agency: str, leaf: Criterion) -> str:
    """A written explanation (giải trình) naming the document the leaf asks for."""
    document = (leaf.evidence_required or "văn bản liên quan").rstrip(".")
    return (
        f"Đơn vị đã thực hiện; tài liệu: {document} (lưu tại văn thư đơn vị, số hiệu theo sổ văn bản 2021)."
    )


def evidence_url(agency: str, leaf: str) -> str:
    return f"https://vanban.haiphong.example/2021/{agency}/tieu-chi-{leaf}.pdf"


def evidence_pdf(agency_name: str, leaf: Criterion) -> bytes:
    """A small, valid one-page PDF standing in for a scanned decision (ASCII text: the built-in
    PDF fonts have no Vietnamese glyphs)."""
    text = f"Tai lieu kiem chung - tieu chi {leaf.code} - {_ascii(agency_name)} - nam 2021"
    stream = f"BT /F1 12 Tf 56 780 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in plain if ord(c) < 128 and c not in "()\\")


# --- driving the services ------------------------------------------------------------------------


def principal_for(session: Session, email: str) -> Principal:
    person = session.exec(select(Person).where(Person.email == email)).one()
    principal = load_principal(session, person.id or 0)
    assert principal is not None
    return principal


def agency_person(session: Session, submission_id: int, role: str = "agency_editor") -> Principal:
    submission = session.get(Submission, submission_id)
    assert submission is not None
    person_id = session.exec(
        select(RoleAssignment.person_id).where(
            RoleAssignment.agency_id == submission.agency_id, RoleAssignment.role == role
        )
    ).first()
    assert person_id is not None, f"no {role} for submission {submission_id}"
    principal = load_principal(session, person_id)
    assert principal is not None
    return principal


def agency_leaves(session: Session, submission_id: int) -> tuple[Agency, list[Criterion]]:
    submission = session.get(Submission, submission_id)
    assert submission is not None
    agency = session.get(Agency, submission.agency_id)
    assert agency is not None
    leaves = [c for c in criteria_of(session, submission) if c.is_leaf and c.scored_by == "agency"]
    return agency, leaves


def fill_self_assessment(rt: Runtime, submission_id: int, *, share: float = 1.0, files: int = 0) -> int:
    """Score the first `share` of the agency's leaves as its focal point would, each with an
    explanation, and attach `files` PDF files and as many links. Returns the leaves scored."""
    with rt.db.read() as session:
        principal = agency_person(session, submission_id)
        agency, leaves = agency_leaves(session, submission_id)
    count = len(leaves) if share >= 1 else int(len(leaves) * share)
    chosen = leaves[:count]
    entries = [
        self_assessment.SelfScoreIn(
            leaf.code, self_score(agency.code, leaf.code, leaf.max_score), explanation(agency.code, leaf)
        )
        for leaf in chosen
    ]
    if entries:
        rt.db.run(lambda s: self_assessment.save_self_scores(s, rt, principal, submission_id, entries))
    for leaf in chosen[:files]:
        attach_pdf(rt, principal, submission_id, agency.name, leaf)
    for leaf in chosen[files : files * 2]:
        rt.db.run(
            lambda s, leaf=leaf: evidence.add_evidence(
                s,
                rt,
                principal,
                submission_id,
                leaf.code,
                url=evidence_url(agency.code, leaf.code),
                title=leaf.evidence_required,
            )
        )
    return count


def attach_pdf(
    rt: Runtime, principal: Principal, submission_id: int, agency_name: str, leaf: Criterion
) -> None:
    data = evidence_pdf(agency_name, leaf)
    writer = BlobWriter(rt.settings.evidence_dir, len(data))
    writer.write(data)
    received = writer.finish()
    rt.db.run(
        lambda s: evidence.add_evidence(
            s,
            rt,
            principal,
            submission_id,
            leaf.code,
            file=evidence.FileIn(received, PDF, f"tieu-chi-{leaf.code}.pdf"),
            title=leaf.evidence_required,
        )
    )


def fire(
    rt: Runtime, submission_id: int, trigger: str, email: str | None = None, comment: str | None = None
) -> None:
    """Fire an event as `email` (default: the agency's focal point)."""

    def use_case(session: Session) -> None:
        principal = principal_for(session, email) if email else agency_person(session, submission_id)
        fire_event(session, rt, principal, submission_id, trigger, comment=comment)

    rt.db.run(use_case)


def council_members(session: Session, campaign_id: int) -> list[tuple[str, list[str]]]:
    rows = session.exec(
        select(Person.email, RoleAssignment.fields)
        .join(RoleAssignment, col(RoleAssignment.person_id) == col(Person.id))
        .where(RoleAssignment.campaign_id == campaign_id, RoleAssignment.role == "council")
        .order_by(col(Person.email))
    ).all()
    return [(email, list(fields)) for email, fields in rows]


def appraise(
    rt: Runtime, submission_id: int, overrides: dict[str, tuple[Decimal, str]] | None = None
) -> None:
    """Every council member appraises the leaves of their fields (one transaction each). Scores
    follow `appraised()` unless `overrides` gives (score, comment) for a leaf."""
    with rt.db.read() as session:
        submission = session.get(Submission, submission_id)
        assert submission is not None
        agency, leaves = agency_leaves(session, submission_id)
        scores = scores_of(session, [submission_id])[submission_id]
        members = council_members(session, submission.campaign_id)
    for email, fields in members:
        entries = []
        for leaf in leaves:
            if leaf.field_code not in fields:
                continue
            current = scores.get(leaf.code)
            if overrides and leaf.code in overrides:
                value, comment = overrides[leaf.code]
                entries.append(appraisal.AppraisalIn(leaf.code, value, comment))
                continue
            result = appraised(
                agency.code, leaf.code, leaf.max_score, current.self_score if current else None
            )
            entries.append(appraisal.AppraisalIn(leaf.code, result.score, result.comment))
        if entries:
            rt.db.run(
                lambda s, email=email, entries=entries: appraisal.save_appraisals(
                    s, rt, principal_for(s, email), submission_id, entries
                )
            )


def survey_table(rows: Iterable[tuple[str, str, list[tuple[str, Decimal]]]]) -> str:
    """A survey CSV for (agency code, agency name, [(leaf code, max)]) rows: every survey leaf of
    every agency, one column per code (empty where a code is not in the agency's set)."""
    rows = list(rows)
    codes: list[str] = []
    for _, _, leaves in rows:
        for code, _ in leaves:
            if code not in codes:
                codes.append(code)
    codes.sort(key=lambda c: tuple(int(p) for p in c.split(".")))
    lines = [",".join(["agency", "name", "sipas", *codes])]
    for code, name, leaves in rows:
        values = {leaf: survey_score(code, leaf, maximum) for leaf, maximum in leaves}
        cells = [code, f'"{name}"', str(sipas(code))]
        cells += [str(values[c]) if c in values else "" for c in codes]
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def survey_csv(session: Session, campaign_id: int) -> str:
    """The survey file for every agency of a campaign, from its criteria sets."""
    table = []
    pairs = session.exec(
        select(Submission, Agency)
        .join(Agency, col(Agency.id) == col(Submission.agency_id))
        .where(Submission.campaign_id == campaign_id)
        .order_by(col(Agency.group), col(Agency.code))
    ).all()
    for submission, agency in pairs:
        leaves = [
            (c.code, c.max_score)
            for c in criteria_of(session, submission)
            if c.is_leaf and c.scored_by == "survey"
        ]
        table.append((agency.code, agency.name, leaves))
    return survey_table(table)


# --- the demo's first run --------------------------------------------------------------------------

# Where the agencies stand on the demo date (10/01/2022, four days before the self-assessment is
# due): some have submitted, several are complete but not yet sent (the README has a new user send
# Sở Giao thông vận tải's), the rest are partly filled in.
DEMO_SUBMITTED = (
    "snv",
    "stttt",
    "ttr",
    "stp",
    "skhdt",
    "q-duong-kinh",
    "q-ngo-quyen",
    "q-hong-bang",
    "h-thuy-nguyen",
)
DEMO_COMPLETE = ("sgtvt", "stc", "syt", "sxd", "q-le-chan", "h-an-duong")
SEED_MARKER = "demo_seed"


@dataclass(frozen=True)
class SeedReport:
    seeded: bool
    submitted: int = 0
    complete: int = 0
    partial: int = 0


def seed_demo(rt: Runtime, campaign_code: str, as_of: datetime) -> SeedReport:
    """Give the demo campaign plausible progress for `as_of`, through the services, once.

    Seeds only a campaign nobody has worked on (every submission still in its initial state, no
    score); the marker entry in the audit trail makes a second run a no-op. Actions are dated in
    the days before `as_of`, in order, so the history reads like a real week.
    """
    with rt.db.read() as session:
        campaign = session.exec(select(Campaign).where(Campaign.code == campaign_code)).one()
        definition = rt.workflows.definition(campaign.workflow_name)
        marked = session.exec(
            select(AuditEntry.id).where(
                AuditEntry.campaign_id == campaign.id, AuditEntry.action == SEED_MARKER
            )
        ).first()
        pairs = session.exec(
            select(Submission, Agency)
            .join(Agency, col(Agency.id) == col(Submission.agency_id))
            .where(Submission.campaign_id == campaign.id)
            .order_by(col(Agency.code))
        ).all()
        touched = (
            any(s.state != definition.initial for s, _ in pairs)
            or session.exec(
                select(Score.id)
                .join(Submission, col(Submission.id) == col(Score.submission_id))
                .where(Submission.campaign_id == campaign.id)
            ).first()
        )
    if marked or touched:
        return SeedReport(False)

    local = as_of.astimezone(ZoneInfo(campaign.timezone))
    start = datetime.combine(local.date() - timedelta(days=5), time(8, 0), local.tzinfo)
    clock = FixedClock(start)
    seeding = Runtime(settings=rt.settings, db=rt.db, clock=clock)
    plan = []
    for submission, agency in pairs:
        if agency.code in DEMO_SUBMITTED:
            plan.append((submission.id or 0, 1.0, 1, True))
        elif agency.code in DEMO_COMPLETE:
            plan.append((submission.id or 0, 1.0, 1, False))
        else:
            plan.append((submission.id or 0, 0.2 + 0.65 * _unit("progress", agency.code), 0, False))
    step = min(timedelta(minutes=25), (as_of - clock.now() - timedelta(hours=1)) / (len(plan) * 4))
    for sid, share, files, send in plan:
        clock.advance(step)
        fill_self_assessment(seeding, sid, share=share, files=files)
        clock.advance(step * 2)
        if send:
            fire(seeding, sid, "submit")
        clock.advance(step)

    def mark(session: Session) -> None:
        row = session.exec(select(Campaign).where(Campaign.code == campaign_code)).one()
        audit.append(session, row, action=SEED_MARKER, at=clock.now(), data={"as_of": as_of.isoformat()})

    rt.db.run(mark)
    submitted = sum(1 for p in plan if p[3])
    complete = sum(1 for p in plan if p[1] >= 1 and not p[3])
    return SeedReport(True, submitted, complete, len(plan) - submitted - complete)
