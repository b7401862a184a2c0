"""Replaying a published season: drive a campaign through its whole lifecycle so that it publishes
given figures, e.g. Hải Phòng's PAR Index 2025 as announced on 9/1/2026.

A scores file gives, per unit, the PAR Index and the SIPAS percentage to publish
(`examples/haiphong-2025/scores-2025.csv`; lines starting with '#' are comments):

    agency,name,group,par_index,sipas,published
    ttr,"Thanh tra thành phố",department,94.71,92.94,rank index

`replay` turns each figure into what the people of a season would enter, and enters it through the
real use cases, each as the person who does it, with the (fixed) clock moved through the season:
the focal point self-scores every agency leaf (with an explanation) and submits; Home Affairs
starts the appraisal; each council member appraises the leaves of their fields, lowering some
self-scores with a reason; Home Affairs sends the results, imports one survey file (the survey
leaves and SIPAS of every unit) and, once the dispute windows have closed, approves; the city
leadership publishes. How a unit's index is split: the survey leaves carry the same share of their
maximum as the index has of 100, the appraised leaves the rest (most at full marks, the shortfall
taken from a few leaves chosen deterministically). Nothing is written except through the services,
so the published table, the audit chain and the notifications are those of a real season.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from parflow.clock import FixedClock
from parflow.demo_season import ADJUSTMENTS, agency_person, council_members, fire, principal_for
from parflow.domain.scoring import round_points
from parflow.services.common.lookups import get_campaign
from parflow.services.common.runtime import Runtime
from parflow.services.results import service as results
from parflow.services.results.survey import import_survey
from parflow.services.scoring import appraisal, self_assessment
from parflow.services.scoring.score_sheet import criteria_of
from parflow.store.models import Agency, Person, RoleAssignment, Submission

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class UnitFigures:
    agency: str
    par_index: Decimal
    sipas: Decimal


@dataclass(frozen=True)
class Season:
    """When each step happens (local dates; the campaign's time zone)."""

    submit: date
    start_appraisal: date
    appraise: date
    send_results: date
    survey: date
    approve: date
    publish: date
    at: time = time(9, 0)


# Hải Phòng 2025: self-assessments in early December, announcement on Friday 9/1/2026.
HAIPHONG_2025 = Season(
    submit=date(2025, 12, 8),
    start_appraisal=date(2025, 12, 11),
    appraise=date(2025, 12, 22),
    send_results=date(2025, 12, 23),
    survey=date(2025, 12, 26),
    approve=date(2026, 1, 5),
    publish=date(2026, 1, 9),
)


class ScoresFileError(ValueError):
    """A scores file that cannot be replayed; the message names the line and the reason."""


def read_scores(path: Path) -> dict[str, UnitFigures]:
    """The figures per agency code; every bad line is reported at once."""
    lines = [line for line in path.read_text(encoding="utf-8-sig").splitlines() if not line.startswith("#")]
    figures: dict[str, UnitFigures] = {}
    problems: list[str] = []
    for row in csv.DictReader(io.StringIO("\n".join(lines))):
        code = (row.get("agency") or "").strip()
        try:
            index = Decimal((row.get("par_index") or "").replace(",", "."))
            sipas = Decimal((row.get("sipas") or "").replace(",", "."))
        except InvalidOperation:
            problems.append(f"{code or '?'}: par_index and sipas must be numbers")
            continue
        if not code or code in figures:
            problems.append(f"{code or '(no code)'}: missing or repeated agency code")
        elif not (0 <= index <= HUNDRED and 0 <= sipas <= HUNDRED):
            problems.append(f"{code}: par_index and sipas must lie between 0 and 100")
        elif index != index.quantize(CENT) or sipas != sipas.quantize(CENT):
            problems.append(f"{code}: figures have at most two decimals")
        else:
            figures[code] = UnitFigures(code, index, sipas)
    if problems:
        raise ScoresFileError(f"{path}: " + "; ".join(problems))
    return figures


def _unit(*parts: str) -> float:
    digest = hashlib.sha256(":".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def take_shortfall(target: Decimal, leaves: list[tuple[str, Decimal]], salt: str) -> dict[str, Decimal]:
    """Points per leaf adding up to `target`: full marks, except on the leaves (in a fixed
    pseudo-random order) that the shortfall is taken from, as appraisals tend to look."""
    values = dict(leaves)
    shortfall = sum(values.values(), Decimal(0)) - target
    if shortfall < 0:
        raise ScoresFileError(f"{salt}: {target} is more than the leaves' maximum")
    for code in sorted(values, key=lambda c: _unit(salt, c)):
        if shortfall <= 0:
            break
        cut = min(values[code], shortfall)
        values[code] -= cut
        shortfall -= cut
    return values


def spread_evenly(target: Decimal, leaves: list[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """Points per leaf adding up to `target`, each leaf near the same share of its maximum (survey
    results are rarely full marks), the remaining cents on the first leaves with room."""
    maximum = sum((m for _, m in leaves), Decimal(0))
    if target > maximum:
        raise ScoresFileError(f"{target} is more than the survey leaves' maximum {maximum}")
    values = {code: (m * target / maximum).quantize(CENT, rounding=ROUND_FLOOR) for code, m in leaves}
    rest = target - sum(values.values(), Decimal(0))
    while rest > 0:
        for code, m in leaves:
            if rest > 0 and values[code] < m:
                values[code] += CENT
                rest -= CENT
    return values


@dataclass(frozen=True)
class UnitPlan:
    """What each person enters for one unit."""

    agency: str
    self_scores: dict[str, Decimal]
    appraised: dict[str, Decimal]
    survey: dict[str, Decimal]
    sipas: Decimal


class LeafLike(Protocol):
    code: str
    max_score: Decimal
    scored_by: str


def plan_unit(figures: UnitFigures, leaves: Sequence[LeafLike]) -> UnitPlan:
    agency_leaves = [(c.code, c.max_score) for c in leaves if c.scored_by == "agency"]
    survey_leaves = [(c.code, c.max_score) for c in leaves if c.scored_by == "survey"]
    survey_max = sum((m for _, m in survey_leaves), Decimal(0))
    survey_part = round_points(survey_max * figures.par_index / HUNDRED)
    survey = spread_evenly(survey_part, survey_leaves) if survey_leaves else {}
    appraised = take_shortfall(figures.par_index - survey_part, agency_leaves, figures.agency)
    maxima = dict(agency_leaves)
    # units are optimistic about about half of the leaves the council then lowers
    self_scores = {
        code: maxima[code]
        if value < maxima[code] and _unit("optimistic", figures.agency, code) < 0.5
        else value
        for code, value in appraised.items()
    }
    return UnitPlan(figures.agency, self_scores, appraised, survey, figures.sipas)


def survey_csv(plans: list[UnitPlan]) -> str:
    """One survey table for every unit: agency, sipas, one column per survey leaf code."""
    codes = sorted({c for p in plans for c in p.survey}, key=lambda c: tuple(int(x) for x in c.split(".")))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["agency", "sipas", *codes])
    for p in plans:
        writer.writerow(
            [p.agency, f"{p.sipas:.2f}", *(f"{p.survey[c]:.2f}" if c in p.survey else "" for c in codes)]
        )
    return out.getvalue()


@dataclass
class ReplayReport:
    campaign: str
    units: int
    transactions: int


def replay(
    rt: Runtime,
    code: str,
    figures: dict[str, UnitFigures],
    season: Season = HAIPHONG_2025,
    progress: Callable[[str], None] | None = None,
) -> ReplayReport:
    """Drive every submission of campaign `code` from draft to published so that the published
    table shows `figures`. The campaign must be freshly loaded; the runtime's clock must be a
    `FixedClock` (the replay moves it through the season)."""
    clock = rt.clock
    if not isinstance(clock, FixedClock):
        raise TypeError("replay moves the clock: give the runtime a FixedClock")
    # An idle connection held open for the whole replay: on SQLite the last connection to close
    # checkpoints the WAL, which with one connection per transaction (NullPool) would happen after
    # each of the ~1 400 commits. It opens no transaction, so it blocks no one.
    with rt.db.engine.connect():
        return _replay(rt, clock, code, figures, season, progress)


def _replay(
    rt: Runtime,
    clock: FixedClock,
    code: str,
    figures: dict[str, UnitFigures],
    season: Season,
    progress: Callable[[str], None] | None,
) -> ReplayReport:
    say = progress or (lambda _text: None)
    with rt.db.read() as session:
        campaign = get_campaign(session, code)
        zone = ZoneInfo(campaign.timezone)
        pairs = session.exec(
            select(Submission, Agency)
            .join(Agency, col(Agency.id) == col(Submission.agency_id))
            .where(Submission.campaign_id == campaign.id)
            .order_by(col(Agency.code))
        ).all()
        definition = rt.workflows.definition(campaign.workflow_name)
        if campaign.published_at is not None or any(s.state != definition.initial for s, _ in pairs):
            raise ScoresFileError(
                f"campaign {code} has already started: a replay needs a freshly loaded campaign"
            )
        missing = sorted(a.code for _, a in pairs if a.code not in figures)
        unknown = sorted(set(figures) - {a.code for _, a in pairs})
        if missing or unknown:
            raise ScoresFileError(
                f"the scores file does not match campaign {code}: "
                f"no figures for {', '.join(missing) or 'none'}; unknown units {', '.join(unknown) or 'none'}"
            )
        leaves = {s.id or 0: [c for c in criteria_of(session, s) if c.is_leaf] for s, _ in pairs}
        members = council_members(session, campaign.id or 0)
        home_affairs = _first_with_role(session, campaign.id or 0, "home_affairs")
        city_leader = _first_with_role(session, campaign.id or 0, "city_leader") or home_affairs
    plans = {s.id or 0: plan_unit(figures[a.code], leaves[s.id or 0]) for s, a in pairs}
    ids = list(plans)
    count = 0

    def at(day: date) -> None:
        clock.set(datetime.combine(day, season.at, zone))

    def run(use_case: Callable[[Session], object]) -> None:
        nonlocal count
        rt.db.run(use_case)
        count += 1

    say("self-assessment")
    at(season.submit)
    for sid in ids:
        plan = plans[sid]
        with rt.db.read() as session:
            focal = agency_person(session, sid)
        entries = [
            self_assessment.SelfScoreIn(leaf, value, _explanation(campaign.index_year, leaf))
            for leaf, value in plan.self_scores.items()
        ]
        run(
            lambda s, sid=sid, focal=focal, entries=entries: self_assessment.save_self_scores(
                s, rt, focal, sid, entries
            )
        )
        fire(rt, sid, "submit")
        count += 1
    say("appraisal")
    at(season.start_appraisal)
    for sid in ids:
        fire(rt, sid, "start_appraisal", home_affairs)
        count += 1
    at(season.appraise)
    by_code = {sid: {c.code: c for c in leaves[sid]} for sid in ids}
    for sid in ids:
        plan = plans[sid]
        for email, fields in members:
            entries = [
                appraisal.AppraisalIn(
                    leaf, value, _reason(plan.agency, leaf) if value != plan.self_scores[leaf] else None
                )
                for leaf, value in plan.appraised.items()
                if by_code[sid][leaf].field_code in fields
            ]
            if entries:
                run(
                    lambda s, sid=sid, email=email, entries=entries: appraisal.save_appraisals(
                        s, rt, principal_for(s, email), sid, entries
                    )
                )
    at(season.send_results)
    for sid in ids:
        fire(rt, sid, "send_results", home_affairs)
        count += 1
    say("survey")
    at(season.survey)
    table = survey_csv([plans[sid] for sid in ids]).encode()
    run(lambda s: import_survey(s, rt, None, code, table, f"survey-{campaign.index_year}.csv"))
    say("approval")
    at(season.approve)
    for sid in ids:
        fire(rt, sid, "approve", home_affairs)
        count += 1
    say("publication")
    at(season.publish)
    run(lambda s: results.publish(s, rt, principal_for(s, city_leader or ""), code))
    return ReplayReport(code, len(ids), count)


def _first_with_role(session: Session, campaign_id: int, role: str) -> str | None:
    return session.exec(
        select(Person.email)
        .join(RoleAssignment, col(RoleAssignment.person_id) == col(Person.id))
        .where(RoleAssignment.campaign_id == campaign_id, RoleAssignment.role == role)
        .order_by(col(Person.email))
    ).first()


def _explanation(year: int, leaf: str) -> str:
    return f"Đơn vị đã thực hiện tiêu chí {leaf}; tài liệu lưu tại văn thư đơn vị (sổ văn bản năm {year})."


def _reason(agency: str, leaf: str) -> str:
    return ADJUSTMENTS[int(_unit("reason", agency, leaf) * len(ADJUSTMENTS))]
