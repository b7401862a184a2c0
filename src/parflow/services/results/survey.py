"""Importing survey results: the survey-scored leaves and the SIPAS percentage of each agency.

A file is checked whole before anything is written; any bad row rejects it with the reason of every
bad row (unknown agency, missing column or value, bad number, score over the leaf's maximum), and
the database stays exactly as it was. Importing again replaces the values of the agencies listed.
Results of an agency that is already approved, or of a published campaign, cannot change.
"""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from parflow.domain.errors import Conflict, Forbidden, Invalid, NotFound, Unmet
from parflow.domain.roles import Role
from parflow.domain.scoring import ScoreError, read_score, round_points
from parflow.domain.workflow import WorkflowDefinition
from parflow.services.common import audit
from parflow.services.common.access import Principal
from parflow.services.common.runtime import Runtime
from parflow.services.evidence.service import clean_filename
from parflow.services.results.survey_file import Sheet, read_table
from parflow.store.models import Agency, Campaign, Criterion, Person, Score, Submission

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class SurveyRow:
    agency: str
    sipas: Decimal
    scores: dict[str, Decimal]


@dataclass
class ImportReport:
    campaign: str
    agencies: list[str]
    leaves: int
    sha256: str
    without_results: list[str] = field(default_factory=list)  # agencies still without survey results


def locked_states(definition: WorkflowDefinition) -> set[str]:
    """States whose results were approved with the survey in them: every state from the destination
    of a transition that requires survey results onwards."""
    start = {t.dest for t in definition.transitions if "survey_results_present" in t.guards}
    seen = set(start)
    queue = deque(start)
    while queue:
        for t in definition.from_state(queue.popleft()):
            if t.dest not in seen:
                seen.add(t.dest)
                queue.append(t.dest)
    return seen


def campaign_for_update(session: Session, code: str) -> Campaign:
    """The campaign row, locked: survey imports and publication of one campaign take turns."""
    campaign = session.exec(
        select(Campaign)
        .where(Campaign.code == code)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if campaign is None:
        raise NotFound("campaign.not_found", code=code)
    return campaign


def check_rows(
    sheets: list[Sheet],
    agencies: dict[str, Agency],
    submissions: dict[int, Submission],
    survey_leaves: dict[int, dict[str, Criterion]],
    locked: set[str],
    definition: WorkflowDefinition,
    current: dict[str, SurveyRow] | None = None,
) -> list[SurveyRow]:
    """Every row checked against its agency's criteria set; all problems raised together.

    An agency whose results are approved may appear with exactly its stored values (the same file
    imported again); different values for it are refused. `current` holds those stored values."""
    problems: list[Unmet] = []
    result: list[SurveyRow] = []
    first_seen: dict[str, object] = {}
    all_codes = {code for leaves in survey_leaves.values() for code in leaves}
    for sheet in sheets:
        columns = [c for c in sheet.columns if c]
        for column in columns:
            if column not in ("agency", "sipas") and column not in all_codes:
                problems.append(Unmet("survey.unknown_column", {"column": column}))
        if "agency" not in columns:
            problems.append(Unmet("survey.no_agency_column"))
            continue
        missing_columns: dict[str, int] = {}
        for row in sheet.rows:
            code = row.values.get("agency", "")
            agency = agencies.get(code)
            if agency is None:
                problems.append(Unmet("survey.unknown_agency", {"where": row.where, "agency": code or "—"}))
                continue
            if code in first_seen:
                problems.append(
                    Unmet(
                        "survey.duplicate_agency",
                        {"where": row.where, "agency": code, "first": first_seen[code]},
                    )
                )
                continue
            first_seen[code] = row.where
            submission = submissions[agency.id or 0]
            leaves = survey_leaves.get(submission.criteria_set_id or 0, {})
            row_ok = True
            scores: dict[str, Decimal] = {}
            for leaf_code, leaf in leaves.items():
                if leaf_code not in row.values:
                    missing_columns[leaf_code] = missing_columns.get(leaf_code, 0) + 1
                    row_ok = False
                    continue
                value = _number(row.values[leaf_code], leaf.max_score, row, code, leaf_code, problems)
                if value is None:
                    row_ok = False
                else:
                    scores[leaf_code] = value
            for column, text in row.values.items():
                if (
                    column not in ("agency", "sipas")
                    and column in all_codes
                    and column not in leaves
                    and text
                ):
                    problems.append(
                        Unmet("survey.not_for_agency", {"where": row.where, "agency": code, "column": column})
                    )
                    row_ok = False
            if "sipas" not in row.values:
                missing_columns["sipas"] = missing_columns.get("sipas", 0) + 1
                row_ok = False
                sipas = None
            else:
                sipas = _number(row.values["sipas"], HUNDRED, row, code, "sipas", problems)
            if not (row_ok and sipas is not None):
                continue
            parsed = SurveyRow(code, sipas, scores)
            if submission.state in locked:
                if (current or {}).get(code) != parsed:
                    problems.append(
                        Unmet(
                            "survey.already_approved",
                            {
                                "where": row.where,
                                "agency": code,
                                "state": definition.states[submission.state],
                            },
                        )
                    )
                continue  # unchanged: nothing to store
            result.append(parsed)
        for column, count in missing_columns.items():
            problems.append(Unmet("survey.missing_column", {"column": column, "count": count}))
    if not problems and not result and not first_seen:
        problems.append(Unmet("survey.no_rows"))
    if problems:
        raise Invalid("survey.rejected", unmet=problems)
    return result


def _number(
    text: str, maximum: Decimal, row: object, agency: str, column: str, problems: list[Unmet]
) -> Decimal | None:
    where = getattr(row, "where", "")
    if not text:
        problems.append(Unmet("survey.missing_value", {"where": where, "agency": agency, "column": column}))
        return None
    try:
        return read_score(text, maximum)
    except ScoreError as exc:
        key = "survey.over_max" if exc.reason == "out_of_range" else "survey.bad_number"
        problems.append(
            Unmet(key, {"where": where, "agency": agency, "column": column, "value": text, "max": maximum})
        )
        return None


def import_survey(
    session: Session,
    rt: Runtime,
    principal: Principal | None,
    code: str,
    data: bytes,
    source: str,
) -> ImportReport:
    """Check and store one survey file (CSV or XLSX bytes). `principal` None means the command line."""
    now = rt.clock.now()
    campaign = campaign_for_update(session, code)
    role = None
    if principal is not None:
        if Role.home_affairs not in principal.roles_in(campaign.id or 0):
            raise Forbidden("survey.home_affairs_only")
        role = Role.home_affairs
    if campaign.published_at is not None:
        raise Conflict("survey.published", code=code)
    definition = rt.workflows.definition(campaign.workflow_name)
    sheets = read_table(data, source)
    agencies = {a.code: a for a in session.exec(select(Agency).where(Agency.campaign_id == campaign.id))}
    submissions = {
        s.agency_id: s
        for s in session.exec(
            select(Submission)
            .where(Submission.campaign_id == campaign.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    survey_leaves: dict[int, dict[str, Criterion]] = {}
    for c in session.exec(
        select(Criterion).where(
            col(Criterion.set_id).in_({s.criteria_set_id for s in submissions.values() if s.criteria_set_id}),
            Criterion.is_leaf,
            Criterion.scored_by == "survey",
        )
    ):
        survey_leaves.setdefault(c.set_id, {})[c.code] = c
    locked = locked_states(definition)
    rows = check_rows(
        sheets,
        agencies,
        submissions,
        survey_leaves,
        locked,
        definition,
        _stored(session, agencies, submissions, locked),
    )

    digest = hashlib.sha256(data).hexdigest()
    source = clean_filename(source) or "survey"
    actor = session.get(Person, principal.person_id) if principal else None
    ids = [submissions[agencies[r.agency].id or 0].id for r in rows]
    existing: dict[tuple[int, str], Score] = {
        (s.submission_id, s.criterion_code): s
        for s in session.exec(select(Score).where(col(Score.submission_id).in_(ids)))
    }
    leaves = 0
    for row in rows:
        agency = agencies[row.agency]
        submission = submissions[agency.id or 0]
        assert submission.id is not None
        for leaf_code, value in row.scores.items():
            score = existing.get((submission.id, leaf_code)) or Score(
                submission_id=submission.id, criterion_code=leaf_code
            )
            score.survey_score = value
            session.add(score)
            leaves += 1
        submission.sipas_percent = row.sipas
        submission.version += 1
        session.add(submission)
        audit.append(
            session,
            campaign,
            action="survey_import",
            at=now,
            actor=actor,
            actor_role=role,
            submission=submission,
            agency=agency,
            data={
                "version": submission.version,
                "source": source,
                "sha256": digest,
                "sipas": row.sipas,
                "scores": row.scores,
            },
        )
    session.flush()
    imported = {r.agency for r in rows}
    without = sorted(
        a.code
        for a in agencies.values()
        if a.code not in imported and submissions[a.id or 0].sipas_percent is None
    )
    return ImportReport(campaign.code, sorted(imported), leaves, digest, without)


def _stored(
    session: Session, agencies: dict[str, Agency], submissions: dict[int, Submission], locked: set[str]
) -> dict[str, SurveyRow]:
    """The survey values already stored for agencies whose results are approved."""
    by_id = {s.id: (a.code, s) for a in agencies.values() if (s := submissions[a.id or 0]).state in locked}
    if not by_id:
        return {}
    values: dict[int, dict[str, Decimal]] = {sid: {} for sid in by_id}
    for score in session.exec(
        select(Score).where(col(Score.submission_id).in_(list(by_id)), col(Score.survey_score).is_not(None))
    ):
        values[score.submission_id][score.criterion_code] = score.survey_score  # type: ignore[assignment]
    return {
        code: SurveyRow(code, sub.sipas_percent, values[sid])  # type: ignore[arg-type]
        for sid, (code, sub) in by_id.items()
        if sub.sipas_percent is not None
    }


def sipas_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A group's satisfaction figures as announced beside its ranking: the average of its units'
    SIPAS (plain mean, rounded like scores) and the unit(s) with the highest. `rows` are the
    results rows of one group (`sipas_percent` as text, or None where no survey was imported)."""
    values = [(Decimal(r["sipas_percent"]), r["agency"]) for r in rows if r.get("sipas_percent") is not None]
    if not values:
        return {"average": None, "highest": None, "leaders": [], "units": 0}
    highest = max(v for v, _ in values)
    return {
        "average": f"{round_points(sum(v for v, _ in values) / len(values)):.2f}",
        "highest": f"{highest:.2f}",
        "leaders": [agency for v, agency in values if v == highest],
        "units": len(values),
    }
