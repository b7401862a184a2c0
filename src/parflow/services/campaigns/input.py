"""Reading a campaign folder (or a single campaign file) into a validated, ready-to-apply input.

Everything is checked before anything is written: a malformed input is rejected whole, with the
file, line and reason of each problem.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from parflow.domain.calendar import WorkingCalendar
from parflow.domain.criteria import CriteriaSet, load_criteria_set
from parflow.domain.roles import AGENCY_ROLES, Role
from parflow.domain.workflow import Label, WorkflowDefinition
from parflow.yamlsource import Problem, SourceDoc, SourceError, load_yaml, validate

# The groups ranked separately. Until 30/6/2025: departments, urban and rural districts; since the
# two-tier local government of 1/7/2025: departments, wards, and communes with special zones.
Group = Literal["department", "urban_district", "rural_district", "ward", "commune"]
GROUPS: tuple[str, ...] = ("department", "urban_district", "rural_district", "ward", "commune")
Email = Annotated[
    str,
    BeforeValidator(lambda v: v.strip().lower() if isinstance(v, str) else v),
    Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254),
]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class PersonRef(_Strict):
    name: str = Field(min_length=1, max_length=200)
    email: Email
    language: Literal["vi", "en"] = "vi"


class AgencySpec(_Strict):
    code: Slug
    name: str = Field(min_length=1, max_length=300)
    name_en: str | None = Field(default=None, max_length=300)
    group: Group
    focal_point: PersonRef
    head: PersonRef
    # "Giám đốc", "Chủ tịch", "Chánh Thanh tra": e-mails to the head open "Kính gửi: <title> <name>"
    head_title: str | None = Field(default=None, min_length=1, max_length=100)


class RoleSpec(_Strict):
    role: Role
    agency: Slug | None = None
    fields: tuple[str, ...] = ()


def _role_shorthand(value: Any) -> Any:
    return {"role": value} if isinstance(value, str) else value


class PersonSpec(PersonRef):
    roles: tuple[Annotated[RoleSpec, BeforeValidator(_role_shorthand)], ...] = Field(min_length=1)


class Offset(_Strict):
    base: str = Field(alias="from")
    offset: int = Field(ge=-400, le=400)


class DayNote(_Strict):
    day: date = Field(alias="date")
    note: str = ""


class Band(_Strict):
    label: Label
    min: Annotated[Decimal, Field(ge=0, le=100)]


class HeadConditions(_Strict):
    min_field_share: Annotated[Decimal, Field(gt=0, le=1)] | None = None
    not_in_last: Annotated[int, Field(ge=1, le=50)] | None = None
    min_sipas: Annotated[Decimal, Field(ge=0, le=100)] | None = None


class HeadBandSpec(_Strict):
    label: Label
    min: Annotated[Decimal, Field(ge=0, le=100)]
    conditions: HeadConditions = HeadConditions()


class HeadClassificationSpec(_Strict):
    """How each unit's head is classified from the unit's results (bands best first, each with an
    index threshold and optional conditions); `basis` says where the rule comes from."""

    basis: str = Field(default="", max_length=1000)
    bands: tuple[HeadBandSpec, ...] = Field(min_length=1)


class CriteriaRef(_Strict):
    file: str
    groups: tuple[Group, ...] = Field(min_length=1)


class AuthoritySpec(_Strict):
    """Who runs and publishes the index: the province and its Home Affairs department (Sở Nội vụ),
    named in every page header of the campaign and in the results report."""

    province: Label
    department: Label


class SenderSpec(_Strict):
    name: str = Field(min_length=1, max_length=200)
    email: Email


class ContactSpec(_Strict):
    name: str = Field(min_length=1, max_length=200)
    phone: str = Field(min_length=1, max_length=40)
    email: Email


class DemoSpec(_Strict):
    as_of: datetime | None = None
    password: str | None = None
    # last year's published figures (a `parflow previous-results import` file beside campaign.yaml),
    # imported on the demo's first run
    previous_results: str | None = None


DEFAULT_BANDS = (
    Band(label=Label(vi="Tốt", en="Good"), min=Decimal(90)),
    Band(label=Label(vi="Khá", en="Fair"), min=Decimal(80)),
    Band(label=Label(vi="Trung bình", en="Average"), min=Decimal(65)),
    Band(label=Label(vi="Yếu", en="Weak"), min=Decimal(0)),
)


class CampaignSpec(_Strict):
    code: Slug
    title: str = Field(min_length=1, max_length=300)
    index_year: int = Field(ge=2000, le=2100)
    timezone: str = "Asia/Ho_Chi_Minh"
    workflow: Slug = "par-index"
    criteria: tuple[CriteriaRef, ...] = ()
    milestones: dict[str, date | Offset]
    dispute_window_days: int = Field(default=5, ge=0, le=60)
    # printed on the signed report and the appraisal record ("Hải Phòng, ngày ...")
    place: str | None = Field(default=None, max_length=120)
    # the agency head must confirm before the focal point's self-assessment counts as sent
    require_head_confirmation: bool = False
    classification: tuple[Band, ...] = DEFAULT_BANDS
    extra_days_off: tuple[DayNote, ...] = ()
    extra_working_days: tuple[DayNote, ...] = ()
    # a file name beside campaign.yaml, or the list itself (each item validated on its own so that
    # errors point at the item's line)
    agencies: str | list[Any]
    people: str | list[Any] = []
    # the From of every e-mail (e.g. Sở Nội vụ thành phố Hải Phòng) and the person the signature
    # names for questions (the messages themselves say "do not reply"); both optional
    sender: SenderSpec | None = None
    contact: ContactSpec | None = None
    demo: DemoSpec | None = None
    authority: AuthoritySpec | None = None
    # the campaign (code) of the year before, whose published results these are compared with
    previous_campaign: Slug | None = None
    # the heads' classification from their unit's results (none: not published)
    head_classification: HeadClassificationSpec | None = None


@dataclass
class MilestonePlan:
    key: str
    due_date: date
    base_key: str | None = None
    offset: int | None = None


@dataclass
class CampaignInput:
    spec: CampaignSpec
    agencies: list[AgencySpec]
    people: list[PersonSpec]
    criteria: list[tuple[CriteriaSet, tuple[str, ...]]]
    milestones: list[MilestonePlan]
    digest: str
    source: str
    extra: dict[str, Any] = field(default_factory=dict)


def read_campaign(path: Path, workflows: Any) -> CampaignInput:
    """Read and check a campaign folder (its `campaign.yaml`) or a campaign file."""
    folder = path if path.is_dir() else path.parent
    main = path / "campaign.yaml" if path.is_dir() else path
    doc = load_yaml(main)
    spec = validate(doc, CampaignSpec)
    problems: list[Problem] = []

    agencies: list[AgencySpec] = _sub_list(spec.agencies, "agencies", AgencySpec, doc, folder, problems)
    people: list[PersonSpec] = _sub_list(spec.people, "people", PersonSpec, doc, folder, problems)
    criteria: list[tuple[CriteriaSet, tuple[str, ...]]] = []
    for ref in spec.criteria:
        try:
            criteria.append((load_criteria_set(folder / ref.file, _shown(folder, ref.file)), ref.groups))
        except SourceError as exc:
            problems.extend(exc.problems)
    definition: WorkflowDefinition | None = None
    try:
        definition = workflows.definition(spec.workflow)
    except SourceError as exc:
        problems.append(
            doc.problem(("workflow",), f"workflow '{spec.workflow}' cannot be used: {exc.problems[0].reason}")
        )
    if problems:
        raise SourceError(problems)

    problems += _check_references(doc, spec, agencies, people, criteria)
    milestones = _plan_milestones(doc, spec, definition, problems)
    if problems:
        raise SourceError(problems)
    digest = _digest(spec, agencies, people, criteria)
    return CampaignInput(spec, agencies, people, criteria, milestones, digest, str(main))


def _shown(folder: Path, name: str) -> str:
    return str(folder / name)


def _sub_list(
    value: str | list[Any], key: str, model: type[Any], doc: SourceDoc, folder: Path, problems: list[Problem]
) -> list[Any]:
    """Validate each item of an inline list or of a list kept in its own file."""
    if isinstance(value, str):
        try:
            source = load_yaml(folder / value)
        except SourceError as exc:
            problems.extend(exc.problems)
            return []
        if not isinstance(source.data, list):
            problems.append(Problem(source.path, 1, f"expected a list of {key}"))
            return []
        prefix: tuple[str | int, ...] = ()
    else:
        source, prefix = doc, (key,)
    items = []
    for i in range(len(value if not isinstance(value, str) else source.data)):
        try:
            items.append(validate(source, model, (*prefix, i)))
        except SourceError as exc:
            problems.extend(exc.problems)
    return items


def _check_references(
    doc: SourceDoc,
    spec: CampaignSpec,
    agencies: list[AgencySpec],
    people: list[PersonSpec],
    criteria: list[tuple[CriteriaSet, tuple[str, ...]]],
) -> list[Problem]:
    problems: list[Problem] = []
    where = doc.path
    codes: set[str] = set()
    for a in agencies:
        if a.code in codes:
            problems.append(Problem(where, None, f"agency code '{a.code}' is listed twice"))
        codes.add(a.code)
    group_sets: dict[str, str] = {}
    field_codes: set[str] = set()
    set_codes: set[str] = set()
    for cs, groups in criteria:
        if cs.code in set_codes:
            problems.append(doc.problem(("criteria",), f"criteria set '{cs.code}' is listed twice"))
        set_codes.add(cs.code)
        field_codes |= {n.code for n in cs.fields()}
        for g in groups:
            if g in group_sets:
                problems.append(doc.problem(("criteria",), f"group '{g}' has two criteria sets"))
            group_sets[g] = cs.code
    if criteria:
        for g in sorted({a.group for a in agencies} - set(group_sets)):
            problems.append(doc.problem(("criteria",), f"no criteria set for agency group '{g}'"))
    emails: set[str] = set()
    for p in people:
        if p.email in emails:
            problems.append(Problem(where, None, f"person {p.email} is listed twice under people"))
        emails.add(p.email)
        for r in p.roles:
            if r.role in AGENCY_ROLES and r.agency not in codes:
                problems.append(
                    Problem(where, None, f"{p.email}: role {r.role} names unknown agency '{r.agency}'")
                )
            if r.role not in AGENCY_ROLES and r.agency is not None:
                problems.append(Problem(where, None, f"{p.email}: role {r.role} cannot belong to an agency"))
            if r.role == Role.council:
                for f in r.fields:
                    if criteria and f not in field_codes:
                        problems.append(
                            Problem(where, None, f"{p.email}: council field '{f}' is in no criteria set")
                        )
    off = {d.day for d in spec.extra_days_off}
    for i, d in enumerate(spec.extra_working_days):
        if d.day in off:
            problems.append(
                doc.problem(("extra_working_days", i), f"{d.day} is both a day off and a working day")
            )
    if spec.classification and spec.classification[-1].min != 0:
        problems.append(doc.problem(("classification",), "the last classification band must start at 0"))
    mins = [b.min for b in spec.classification]
    if mins != sorted(mins, reverse=True):
        problems.append(doc.problem(("classification",), "classification bands must go from best to worst"))
    if spec.head_classification:
        heads = spec.head_classification.bands
        if heads[-1].min != 0 or heads[-1].conditions != HeadConditions():
            problems.append(
                doc.problem(
                    ("head_classification", "bands"),
                    "the last level of the heads' classification must start at 0 with no conditions",
                )
            )
        if [b.min for b in heads] != sorted((b.min for b in heads), reverse=True):
            problems.append(
                doc.problem(("head_classification", "bands"), "the heads' levels must go from best to worst")
            )
    return problems


def _plan_milestones(
    doc: SourceDoc, spec: CampaignSpec, definition: WorkflowDefinition | None, problems: list[Problem]
) -> list[MilestonePlan]:
    if definition is not None:
        wanted = set(definition.milestones)
        given = set(spec.milestones)
        for key in sorted(wanted - given):
            problems.append(
                doc.problem(("milestones",), f"milestone '{key}' of workflow '{definition.name}' has no date")
            )
        for key in sorted(given - wanted):
            problems.append(
                doc.problem(("milestones", key), f"unknown milestone '{key}' (workflow '{definition.name}')")
            )
    calendar = WorkingCalendar(
        spec.timezone,
        extra_days_off=[d.day for d in spec.extra_days_off],
        extra_working_days=[d.day for d in spec.extra_working_days],
    )
    resolved: dict[str, date] = {}
    plans: dict[str, MilestonePlan] = {}

    def resolve(key: str, trail: tuple[str, ...]) -> date | None:
        if key in resolved:
            return resolved[key]
        value = spec.milestones.get(key)
        if value is None:
            return None
        if isinstance(value, date):
            resolved[key] = value
            plans[key] = MilestonePlan(key, value)
            return value
        if value.base in trail:
            problems.append(
                doc.problem(
                    ("milestones", key),
                    f"milestones depend on each other in a circle: {' → '.join((*trail, key))}",
                )
            )
            return None
        if value.base not in spec.milestones:
            problems.append(
                doc.problem(
                    ("milestones", key, "from"), f"milestone '{key}' is planned from unknown '{value.base}'"
                )
            )
            return None
        base = resolve(value.base, (*trail, key))
        if base is None:
            return None
        due = calendar.add_working_days(base, value.offset)
        resolved[key] = due
        plans[key] = MilestonePlan(key, due, value.base, value.offset)
        return due

    for key in spec.milestones:
        resolve(key, ())
    return list(plans.values())


def _digest(
    spec: CampaignSpec,
    agencies: list[AgencySpec],
    people: list[PersonSpec],
    criteria: list[tuple[CriteriaSet, tuple[str, ...]]],
) -> str:
    campaign = spec.model_dump(mode="json", exclude={"agencies", "people", "demo"})
    # keys added later count only when given, so a folder written before them keeps its digest
    # (and loading it again stays a no-op)
    for later in ("authority", "previous_campaign", "head_classification"):
        if campaign.get(later) is None:
            campaign.pop(later, None)
    payload = {
        "campaign": campaign,
        "agencies": [a.model_dump(mode="json") for a in agencies],
        "people": [p.model_dump(mode="json") for p in people],
        "criteria": [[repr(cs), list(groups)] for cs, groups in criteria],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
