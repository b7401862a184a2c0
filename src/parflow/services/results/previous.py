"""Year over year: what a campaign's results are compared with, and each agency's history.

The previous year is either another campaign in this database (`previous_campaign` in the campaign
YAML, its published snapshot) or last year's published figures imported from a CSV/XLSX file (the
city announced them before parflow existed). The comparison is worked out when the results are
read, next to the frozen table, never inside it: the published snapshot and its hash stay as they
were at publication.

The import file (one row per agency; `name`, `group` and '#' columns are for the reader):

    agency,rank,total,1,2,3,4,5,6,7,8
    sgtvt,3,88.41,5.50,4.75,...

It is untrusted: at most MAX_BYTES, numbers only (a formula or any text in a number column is
refused), every agency of the campaign's own list, all rows stored or none, each problem naming
its row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import Session, select

from parflow.domain.errors import Forbidden, Invalid, NotFound, Unmet
from parflow.domain.roles import Role
from parflow.services.common.access import Principal
from parflow.services.common.runtime import Runtime
from parflow.services.results.survey import campaign_for_update
from parflow.services.results.survey_file import read_table
from parflow.store.models import Agency, Campaign, ResultSnapshot

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
RANK_HEADINGS = ("rank", "xếp hạng", "hạng")
TOTAL_HEADINGS = ("total", "index", "chỉ số cchc", "chỉ số cchc (điểm)", "điểm")
# how far back an agency's history follows `previous_campaign` (and a guard against a loop)
MAX_YEARS = 15


@dataclass(frozen=True)
class PreviousYear:
    index_year: int
    campaign: str | None  # the campaign code when the figures come from this database
    source: str  # "campaign" or "import"
    note: str | None  # e.g. "illustrative figures" for the example's file
    rows: dict[str, dict[str, Any]]  # agency code -> {"group", "rank", "total", "fields"}

    def describe(self) -> dict[str, Any]:
        return {
            "index_year": self.index_year,
            "campaign": self.campaign,
            "source": self.source,
            "note": self.note,
        }


def _published_rows(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for group in payload.get("groups", []):
        for row in group["rows"]:
            rows[row["agency"]["code"]] = {
                "group": group["key"],
                "rank": row.get("rank"),
                "total": row.get("total"),
                "fields": dict(row.get("fields") or {}),
                "classification": row.get("classification"),
                "group_size": len(group["rows"]),
            }
    return rows


def _snapshot(session: Session, code: str) -> tuple[Campaign, dict[str, Any]] | None:
    campaign = session.exec(select(Campaign).where(Campaign.code == code)).first()
    if campaign is None or campaign.published_at is None:
        return None
    snapshot = session.exec(select(ResultSnapshot).where(ResultSnapshot.campaign_id == campaign.id)).first()
    return (campaign, dict(snapshot.payload)) if snapshot is not None else None


def previous_year(session: Session, campaign: Campaign) -> PreviousYear | None:
    """The figures these results are compared with; a named campaign wins over an imported file."""
    if campaign.previous_campaign:
        found = _snapshot(session, campaign.previous_campaign)
        if found is not None:
            before, payload = found
            return PreviousYear(before.index_year, before.code, "campaign", None, _published_rows(payload))
    imported = campaign.previous_results
    if imported:
        return PreviousYear(
            int(imported["index_year"]), None, "import", imported.get("note"), dict(imported["rows"])
        )
    return None


def _diff(now: str | None, before: str | None) -> str | None:
    if now is None or before is None:
        return None
    return f"{Decimal(now) - Decimal(before):.2f}"


def with_comparison(payload: dict[str, Any], previous: PreviousYear | None) -> dict[str, Any]:
    """The results with each row's change since the previous year: `change.rank` is places gained
    (2 means up two places, "↑ 2 bậc"), `change.total` and `change.fields` are points gained.
    An agency that was not ranked in the same group last year has no change."""
    payload = dict(payload)
    payload["previous"] = previous.describe() if previous else None
    groups = []
    for group in payload.get("groups", []):
        rows = []
        for row in group["rows"]:
            row = dict(row)
            before = previous.rows.get(row["agency"]["code"]) if previous else None
            if before is not None and before.get("group") in (None, group["key"]):
                row["change"] = {
                    "previous_rank": before.get("rank"),
                    "previous_total": before.get("total"),
                    "rank": None
                    if before.get("rank") is None or row.get("rank") is None
                    else int(before["rank"]) - int(row["rank"]),
                    "total": _diff(row.get("total"), before.get("total")),
                    "fields": {
                        code: d
                        for code, value in (row.get("fields") or {}).items()
                        if (d := _diff(value, (before.get("fields") or {}).get(code))) is not None
                    },
                }
            else:
                row["change"] = None
            rows.append(row)
        groups.append({**group, "rows": rows})
    payload["groups"] = groups
    return payload


def history(session: Session, campaign: Campaign, agency_code: str) -> list[dict[str, Any]]:
    """One agency's published results over the years, newest first: this campaign, then the chain
    of previous campaigns, ending with the figures imported where the chain stops."""
    years: list[dict[str, Any]] = []
    seen: set[str] = set()
    current = campaign
    while True:
        seen.add(current.code)
        found = _snapshot(session, current.code)
        row = _published_rows(found[1]).get(agency_code) if found is not None else None
        if row is not None:
            years.append({"index_year": current.index_year, "campaign": current.code, "note": None, **row})
        before = None
        if current.previous_campaign and current.previous_campaign not in seen and len(seen) < MAX_YEARS:
            before = session.exec(select(Campaign).where(Campaign.code == current.previous_campaign)).first()
        if before is None:
            imported = current.previous_results
            if imported and agency_code in imported["rows"]:
                years.append(
                    {
                        "index_year": int(imported["index_year"]),
                        "campaign": None,
                        "note": imported.get("note"),
                        **imported["rows"][agency_code],
                    }
                )
            return years
        current = before


# --- import ----------------------------------------------------------------------------------------


@dataclass
class PreviousImport:
    campaign: str
    index_year: int
    agencies: int
    sha256: str


def _number(text: str, *, integer: bool = False) -> Decimal | None:
    cleaned = text.strip().replace(",", ".")
    if not cleaned:
        return None
    if cleaned[0] in "=+-@":  # a formula (or a negative score, which is just as wrong)
        raise ValueError(text)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite() or value < 0 or value > 1000 or (integer and value != value.to_integral_value()):
        raise ValueError(text)
    return value


def import_previous(
    session: Session,
    rt: Runtime,
    principal: Principal | None,
    code: str,
    data: bytes,
    source: str,
    *,
    index_year: int | None = None,
    note: str | None = None,
) -> PreviousImport:
    """Store last year's published results for `code` (Home Affairs, or the CLI operator with
    principal None): every row checked first, then all stored, or nothing and every problem named."""
    campaign = campaign_for_update(session, code)
    if principal is not None:
        roles = principal.roles_in(campaign.id or 0)
        if not roles:
            raise NotFound("campaign.not_found", code=code)
        if Role.home_affairs not in roles:
            raise Forbidden("previous.home_affairs_only")
    if len(data) > MAX_BYTES:
        raise Invalid("previous.too_large", max_mb=str(MAX_BYTES // (1024 * 1024)))
    sheets = read_table(data, source)
    agencies = {a.code: a for a in session.exec(select(Agency).where(Agency.campaign_id == campaign.id))}
    rows: dict[str, dict[str, Any]] = {}
    first_seen: dict[str, Any] = {}
    unmet: list[Unmet] = []
    count = 0
    for sheet in sheets:
        columns = [c if c else "" for c in sheet.columns]
        rank_col = next((c for c in columns if c.lower() in RANK_HEADINGS), None)
        total_col = next((c for c in columns if c.lower() in TOTAL_HEADINGS), None)
        if rank_col is None or total_col is None:
            unmet.append(Unmet("previous.columns_missing"))
            continue
        field_cols = [c for c in columns if c and c not in ("agency", "sipas", rank_col, total_col)]
        for row in sheet.rows:
            count += 1
            where = row.where
            agency = row.values.get("agency", "").strip()
            if count > MAX_ROWS:
                unmet.append(Unmet("previous.too_many_rows", {"max": MAX_ROWS}))
                break
            if agency not in agencies:
                unmet.append(Unmet("previous.unknown_agency", {"where": where, "agency": agency[:64]}))
                continue
            if agency in first_seen:
                unmet.append(
                    Unmet(
                        "previous.duplicate_agency",
                        {"where": where, "agency": agency, "first": first_seen[agency]},
                    )
                )
                continue
            first_seen[agency] = where
            parsed: dict[str, Decimal | None] = {}
            for column in (rank_col, total_col, *field_cols):
                try:
                    parsed[column] = _number(row.values.get(column, ""), integer=column == rank_col)
                except ValueError:
                    unmet.append(
                        Unmet(
                            "previous.bad_number",
                            {
                                "where": where,
                                "agency": agency,
                                "column": column[:40],
                                "value": row.values[column][:40],
                            },
                        )
                    )
            if parsed.get(rank_col) is None or parsed.get(total_col) is None:
                if all(k in parsed for k in (rank_col, total_col)):
                    unmet.append(Unmet("previous.rank_total_required", {"where": where, "agency": agency}))
                continue
            total = parsed[total_col]
            rank = parsed[rank_col]
            assert total is not None and rank is not None
            if total > 100:
                unmet.append(
                    Unmet(
                        "previous.bad_number",
                        {"where": where, "agency": agency, "column": total_col, "value": str(total)},
                    )
                )
                continue
            rows[agency] = {
                "group": agencies[agency].group,
                "rank": int(rank),
                "total": f"{total:.2f}",
                "fields": {c: f"{v:.2f}" for c in field_cols if (v := parsed.get(c)) is not None},
            }
    if not rows and not unmet:
        unmet.append(Unmet("survey.no_rows"))
    if unmet:
        raise Invalid("previous.rejected", unmet=unmet)
    year = index_year if index_year is not None else campaign.index_year - 1
    digest = hashlib.sha256(data).hexdigest()
    campaign.previous_results = {
        "index_year": year,
        "source": source[:200],
        "sha256": digest,
        "note": (note or "").strip()[:300] or None,
        "rows": rows,
    }
    campaign.updated_at = rt.clock.now()
    session.add(campaign)
    session.flush()
    return PreviousImport(campaign.code, year, len(rows), digest)
