"""Results: the index of every agency, ranked within its group, classified; exclusion; publication.

Until publication only the campaign's participants with a campaign-wide view see a live preview.
Publishing fires `publish` on every approved submission, freezes the table as a `ResultSnapshot`
that names the audit chain's head at that moment, and opens the frozen table to everyone. Nothing
done afterwards (a score edited in the database, a survey re-imported) changes what was published.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from parflow.domain.errors import Conflict, Forbidden, GuardFailed, Invalid, NotFound, Unmet
from parflow.domain.roles import AGENCY_ROLES, Role
from parflow.domain.scoring import (
    Band,
    HeadBand,
    UnitOutcome,
    classify_head,
    index_of,
    rank_within_groups,
)
from parflow.domain.workflow import Label
from parflow.i18n import t
from parflow.i18n.collation import sort_vietnamese
from parflow.services.common import audit, outbox
from parflow.services.common.access import CAMPAIGN_WIDE_READERS, Principal
from parflow.services.common.joins import AGENCY_OF_SUBMISSION
from parflow.services.common.lookups import get_campaign
from parflow.services.common.notices import agency_ref, campaign_ref
from parflow.services.common.runtime import Runtime
from parflow.services.lifecycle.submissions import Located, check_version, fire_event, locate
from parflow.services.results.previous import previous_year, with_comparison
from parflow.services.results.survey import campaign_for_update, sipas_summary
from parflow.services.scoring.score_sheet import as_leaves, score_values_of
from parflow.store.models import (
    Agency,
    AuditEntry,
    Campaign,
    CriteriaSet,
    Criterion,
    Person,
    ResultSnapshot,
    Submission,
)

# The groups ranked separately, in display order (the keys of `campaigns.input.GROUPS`); labels
# from the catalogue (`group.<key>` in i18n/catalog/scoring.py). Since 1/7/2025 (two-tier local
# government) a campaign has wards and communes with special zones instead of districts.
GROUPS: dict[str, Label] = {
    key: Label(vi=t(f"group.{key}", "vi"), en=t(f"group.{key}", "en"))
    for key in ("department", "urban_district", "rural_district", "ward", "commune")
}
MAX_REASON = 2000
MAX_DECISION = 200


@dataclass(frozen=True)
class Decision:
    """The decision that approves the results (Quyết định số 903/QĐ-UBND ngày 28/3/2022, signed by
    the chairman): recorded at publication, shown on the page and in every export."""

    number: str
    date: date | None = None
    signer: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "date": self.date.isoformat() if self.date else None,
            "signer": self.signer or None,
            "text": None,
        }


def bands_of(campaign: Campaign) -> list[Band]:
    return [Band(b["label"]["vi"], b["label"]["en"], Decimal(str(b["min"]))) for b in campaign.classification]


def head_bands_of(campaign: Campaign) -> list[HeadBand]:
    rule = campaign.head_classification or {}

    def decimal(value: Any) -> Decimal | None:
        return None if value is None else Decimal(str(value))

    return [
        HeadBand(
            b["label"]["vi"],
            b["label"]["en"],
            Decimal(str(b["min"])),
            min_field_share=decimal(b.get("conditions", {}).get("min_field_share")),
            not_in_last=b.get("conditions", {}).get("not_in_last"),
            min_sipas=decimal(b.get("conditions", {}).get("min_sipas")),
        )
        for b in rule.get("bands", [])
    ]


def _classify_heads(
    groups: dict[str, list[dict[str, Any]]], maxima: dict[str, dict[str, Decimal]], bands: list[HeadBand]
) -> None:
    """Give each ranked row its head's level (in place): part of what publication freezes."""
    for rows in groups.values():
        for row in rows:
            field_max = maxima.get(row["criteria_set"] or "", {})
            shares = {
                code: Decimal(value) / field_max[code]
                for code, value in row["fields"].items()
                if value is not None and field_max.get(code)
            }
            unit = UnitOutcome(
                total=Decimal(row["total"]),
                rank=row["rank"],
                group_size=len(rows),
                field_shares=shares,
                sipas=None if row["sipas_percent"] is None else Decimal(row["sipas_percent"]),
            )
            band = classify_head(unit, bands)
            row["head_classification"] = {"vi": band.label_vi, "en": band.label_en} if band else None


def _s(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def results_path(campaign: Campaign) -> str:
    return f"/campaigns/{campaign.code}/results"


def compute(session: Session, rt: Runtime, campaign: Campaign) -> dict[str, Any]:
    """The results table as plain JSON data: what the preview shows and what publication freezes."""
    definition = rt.workflows.definition(campaign.workflow_name)
    pairs = session.exec(
        select(Submission, Agency)
        .join(Agency, AGENCY_OF_SUBMISSION)
        .where(Submission.campaign_id == campaign.id)
        .order_by(col(Agency.code))
    ).all()
    # agencies in Vietnamese alphabetical order ("Giao thông" before "Giáo dục"), for ties in rank
    # and for every list that is not a ranking
    pairs = sort_vietnamese(pairs, lambda pair: pair[1].name)
    sets = {s.id: s for s in session.exec(select(CriteriaSet).where(CriteriaSet.campaign_id == campaign.id))}
    criteria: dict[int, list[Criterion]] = {set_id: [] for set_id in sets if set_id is not None}
    for c in session.exec(
        select(Criterion).where(col(Criterion.set_id).in_(list(criteria))).order_by(col(Criterion.position))
    ):
        criteria[c.set_id].append(c)
    all_scores = score_values_of(session, [s.id for s, _ in pairs if s.id is not None])
    bands = bands_of(campaign)
    # per criteria set, once: its leaves, and which score of each leaf counts (not per agency)
    leaves_of = {set_id: as_leaves(nodes) for set_id, nodes in criteria.items()}
    counted_of = {
        set_id: [(c.code, c.scored_by == "survey") for c in nodes if c.is_leaf]
        for set_id, nodes in criteria.items()
    }
    rows: dict[str, dict[str, Any]] = {}
    entries = []
    excluded = []
    names = {}
    for position, (submission, agency) in enumerate(pairs):
        names[agency.code] = f"{position:06d}"
        if submission.excluded_reason is not None:
            excluded.append(
                {"agency": _agency(agency), "group": agency.group, "reason": submission.excluded_reason}
            )
            continue
        set_id = submission.criteria_set_id or 0
        given = all_scores.get(submission.id or 0, {})
        counted = {
            code: None
            if (s := given.get(code)) is None
            else (s.survey_score if survey else s.appraised_score)
            for code, survey in counted_of.get(set_id, [])
        }
        index = index_of(leaves_of.get(set_id, []), counted)
        rows[agency.code] = {
            "agency": _agency(agency),
            "criteria_set": sets[submission.criteria_set_id].code
            if submission.criteria_set_id in sets
            else None,
            "state": {"key": submission.state, **definition.states[submission.state].model_dump()},
            "total": _s(index.total),
            "appraised": _s(index.appraised_part),
            "survey": _s(index.survey_part),
            "fields": {code: _s(v) for code, v in index.by_field.items()},
            # issue 11's late marks go here once lateness is recorded (exports.py has their column)
            "sipas_percent": _s(submission.sipas_percent),
            "complete": index.complete,
            "missing": len(index.missing),
            # the record of lateness (working days; None when never sent): timeliness is scored
            "self_assessment_late_days": submission.self_assessment_late_days,
            "appraisal_late_days": submission.appraisal_late_days,
        }
        entries.append((agency.code, agency.group, index.total))
    groups: dict[str, list[dict[str, Any]]] = {}
    for ranked in rank_within_groups(entries, bands, tie_order=names):
        row = rows[ranked.key]
        row["rank"] = ranked.rank
        row["classification"] = (
            {"vi": ranked.band.label_vi, "en": ranked.band.label_en} if ranked.band else None
        )
        groups.setdefault(ranked.group, []).append(row)
    set_by_group = {g: s for s in sets.values() for g in s.groups}
    head_bands = head_bands_of(campaign)
    if head_bands:
        maxima = {
            s.code: {c.code: c.max_score for c in criteria.get(s.id or 0, []) if c.level == 1}
            for s in sets.values()
        }
        _classify_heads(groups, maxima, head_bands)
    return {
        "campaign": {"code": campaign.code, "title": campaign.title, "index_year": campaign.index_year},
        "classification": [{"label": {"vi": b.label_vi, "en": b.label_en}, "min": _s(b.min)} for b in bands],
        # the rule as declared, so the published page can state it (absent: no heads' levels)
        **({"head_classification": campaign.head_classification} if head_bands else {}),
        "criteria_sets": [
            {
                "code": s.code,
                "title": s.title,
                "total": _s(s.total),
                "groups": list(s.groups),
                "fields": [
                    {"code": c.code, "title_vi": c.title_vi, "title_en": c.title_en, "max": _s(c.max_score)}
                    for c in criteria.get(s.id or 0, [])
                    if c.level == 1
                ],
            }
            for s in sets.values()
        ],
        "groups": [
            {
                "key": key,
                "label": label.model_dump(),
                "criteria_set": set_by_group[key].code if key in set_by_group else None,
                "rows": groups.get(key, []),
                "sipas": sipas_summary(groups.get(key, [])),
            }
            for key, label in GROUPS.items()
            if groups.get(key)
        ],
        "excluded": excluded,
    }


def _agency(agency: Agency) -> dict[str, Any]:
    return {"code": agency.code, "name": agency.name, "name_en": agency.name_en}


def _campaign_reader(session: Session, principal: Principal, code: str) -> Campaign:
    campaign = get_campaign(session, code)
    roles = principal.roles_in(campaign.id or 0)
    if not roles:
        raise NotFound("campaign.not_found", code=code)
    if not roles & CAMPAIGN_WIDE_READERS:
        raise Forbidden("results.preview_forbidden")
    return campaign


def preview(session: Session, rt: Runtime, principal: Principal, code: str) -> dict[str, Any]:
    return preview_payload(session, rt, _campaign_reader(session, principal, code))


def preview_payload(session: Session, rt: Runtime, campaign: Campaign) -> dict[str, Any]:
    """The live table (not frozen) with what the published one carries beside it."""
    payload = compute(session, rt, campaign)
    payload["published_at"] = campaign.published_at.isoformat() if campaign.published_at else None
    payload["preview"] = True
    payload["authority"] = campaign.authority or None
    return with_comparison(payload, previous_year(session, campaign))


def published(session: Session, code: str) -> dict[str, Any]:
    """The frozen table, for anyone; before publication the results do not exist (404)."""
    campaign = session.exec(select(Campaign).where(Campaign.code == code)).first()
    if campaign is None or campaign.published_at is None:
        raise NotFound("results.not_published", code=code)
    snapshot = session.exec(select(ResultSnapshot).where(ResultSnapshot.campaign_id == campaign.id)).first()
    if snapshot is None:
        raise NotFound("results.not_published", code=code)
    payload = dict(snapshot.payload)
    payload.setdefault("decision", _decision_from_comment(session, snapshot))
    payload["authority"] = campaign.authority or None
    return with_comparison(payload, previous_year(session, campaign))


def _decision_from_comment(session: Session, snapshot: ResultSnapshot) -> dict[str, Any] | None:
    """Results published before the decision had its own fields: the publication's comment is where
    Home Affairs typed it ("Quyết định số 903/QĐ-UBND ngày 28/3/2022"), so it is shown as written."""
    entry = session.exec(
        select(AuditEntry).where(
            AuditEntry.campaign_id == snapshot.campaign_id, AuditEntry.seq == snapshot.audit_head_seq
        )
    ).first()
    text = (entry.comment or "").strip() if entry is not None else ""
    return {"number": None, "date": None, "signer": None, "text": text} if text else None


# --- exclusion -----------------------------------------------------------------------------------


def set_exclusion(
    session: Session,
    rt: Runtime,
    principal: Principal,
    submission_id: int,
    reason: str | None,
    *,
    expected_version: int | None = None,
) -> Located:
    """Leave one agency out of ranking and publication, with the reason; `reason` None takes it back."""
    now = rt.clock.now()
    found = locate(session, rt, submission_id, principal, lock=True)
    if Role.home_affairs not in principal.roles_in(found.campaign.id or 0):
        raise Forbidden("results.home_affairs_only")
    if found.campaign.published_at is not None:
        raise Conflict("results.already_published", code=found.campaign.code)
    check_version(found.submission, expected_version)
    text = (reason or "").strip() or None
    if reason is not None and text is None:
        raise Invalid("results.reason_required")
    if text is not None and len(text) > MAX_REASON:
        raise Invalid("results.reason_too_long", max=MAX_REASON)
    submission = found.submission
    before = submission.excluded_reason
    if before == text:
        return found
    submission.excluded_reason = text
    submission.version += 1
    session.add(submission)
    audit.append(
        session,
        found.campaign,
        action="exclusion" if text else "inclusion",
        at=now,
        actor=session.get(Person, principal.person_id),
        actor_role=Role.home_affairs,
        submission=submission,
        agency=found.agency,
        comment=text,
        data={"version": submission.version, "previous_reason": before},
    )
    session.flush()
    return found


# --- publication ---------------------------------------------------------------------------------


def publish(
    session: Session,
    rt: Runtime,
    principal: Principal,
    code: str,
    comment: str | None = None,
    decision: Decision | None = None,
) -> ResultSnapshot:
    now = rt.clock.now()
    if decision is not None:
        if not decision.number.strip():
            raise Invalid("results.decision_number_required")
        if max(len(decision.number), len(decision.signer)) > MAX_DECISION:
            raise Invalid("results.decision_too_long", max=MAX_DECISION)
    campaign = campaign_for_update(session, code)
    roles = principal.roles_in(campaign.id or 0)
    if not roles:
        raise NotFound("campaign.not_found", code=code)
    definition = rt.workflows.definition(campaign.workflow_name)
    allowed = definition.roles_for("publish")
    role = next((r for r in allowed if r in roles and r not in AGENCY_ROLES), None)
    if role is None:
        raise Forbidden("results.publish_forbidden")
    if campaign.published_at is not None:
        raise Conflict("results.already_published", code=code)
    pairs = session.exec(
        select(Submission, Agency)
        .join(Agency, AGENCY_OF_SUBMISSION)
        .where(Submission.campaign_id == campaign.id)
        .order_by(col(Agency.group), col(Agency.code))
    ).all()
    unmet = [
        Unmet(
            "results.not_ready",
            {"agency": agency.name, "state": definition.states[submission.state]},
            field=agency.code,
        )
        for submission, agency in pairs
        if submission.excluded_reason is None and definition.transition(submission.state, "publish") is None
    ]
    included = [(s, a) for s, a in pairs if s.excluded_reason is None]
    if not included:
        unmet.append(Unmet("results.nothing_to_publish"))
    if unmet:
        raise GuardFailed("results.cannot_publish", unmet=unmet)
    for submission, _agency in included:
        fire_event(
            session, rt, principal, submission.id or 0, "publish", comment=comment, campaign_publication=True
        )
    payload = compute(session, rt, campaign)
    digest = hashlib.sha256(
        json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()
    actor = session.get(Person, principal.person_id)
    entry = audit.append(
        session,
        campaign,
        action="publish",
        at=now,
        actor=actor,
        actor_role=role,
        comment=comment,
        data={
            "results_sha256": digest,
            "decision": decision.as_json() if decision else None,
            "agencies": [a.code for _, a in included],
            "excluded": [a.code for s, a in pairs if s.excluded_reason is not None],
        },
    )
    payload["published_at"] = now.isoformat()
    payload["published_by"] = actor.name if actor else None
    if decision is not None:
        payload["decision"] = decision.as_json()
    elif comment:
        payload["decision"] = {"number": None, "date": None, "signer": None, "text": comment}
    else:
        payload["decision"] = None
    payload["audit_head"] = {"seq": entry.seq, "hash": entry.hash, "results_sha256": digest}
    snapshot = ResultSnapshot(
        campaign_id=campaign.id or 0,
        published_at=now,
        published_by=principal.person_id,
        audit_head_hash=entry.hash,
        audit_head_seq=entry.seq,
        payload=payload,
    )
    session.add(snapshot)
    campaign.published_at = now
    campaign.updated_at = now
    session.add(campaign)
    _notify_published(session, campaign, included, principal.person_id, now)
    session.flush()
    return snapshot


def _notify_published(
    session: Session,
    campaign: Campaign,
    included: list[tuple[Submission, Agency]],
    publisher_id: int,
    now: datetime,
) -> None:
    base = {
        "campaign": campaign_ref(campaign),
        "results_path": results_path(campaign),
        "results_xlsx_path": f"/api/v1/campaigns/{campaign.code}/results.xlsx",
    }
    cid = campaign.id or 0
    sent: set[int] = {publisher_id}
    for submission, agency in included:
        for person, role in outbox.recipients(
            session, cid, [Role.agency_head, Role.agency_editor], agency.id
        ):
            if person.id in sent:
                continue
            sent.add(person.id or 0)
            outbox.enqueue(
                session,
                key=f"published:{cid}:{person.id}",
                kind="published",
                person=person,
                now=now,
                context={
                    **base,
                    "agency": agency_ref(agency),
                    "submission_id": submission.id,
                    "action_path": results_path(campaign),
                },
                submission=submission,
                role=role,
            )
    for person, role in outbox.recipients(
        session, cid, [Role.home_affairs, Role.city_leader, Role.council, Role.viewer]
    ):
        if person.id in sent:
            continue
        sent.add(person.id or 0)
        outbox.enqueue(
            session,
            key=f"published:{cid}:{person.id}",
            kind="published",
            person=person,
            now=now,
            context={**base, "action_path": results_path(campaign)},
            campaign_id=cid,
            role=role,
        )
