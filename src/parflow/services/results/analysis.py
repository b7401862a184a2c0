"""What the published figures say beyond the ranking: per group and field, the average against the
maximum, the weakest and strongest fields, and how the fields moved since the previous year.

Used by the results page (the field chart), the DOCX report and the JSON answer alike, so the three
agree. Works on the results payload only (published or preview), never on the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

TWO = Decimal("0.01")


@dataclass(frozen=True)
class FieldFigure:
    code: str
    title_vi: str
    title_en: str | None
    max: Decimal
    average: Decimal
    lowest: Decimal
    highest: Decimal
    share: Decimal  # average / max, 0..1: how much of the field the group achieves
    change: Decimal | None  # average points gained since the previous year (same agencies)

    def title(self, lang: str) -> str:
        return (self.title_en or self.title_vi) if lang == "en" else self.title_vi


@dataclass(frozen=True)
class GroupAnalysis:
    key: str
    label: dict[str, str]
    agencies: int
    average_total: Decimal | None
    fields: list[FieldFigure]

    @property
    def weakest(self) -> list[FieldFigure]:
        """The fields where the group achieves the smallest share of the maximum (two at most)."""
        return sorted(self.fields, key=lambda f: (f.share, f.code))[:2]

    @property
    def strongest(self) -> list[FieldFigure]:
        return sorted(self.fields, key=lambda f: (-f.share, f.code))[:2]


def _mean(values: list[Decimal]) -> Decimal:
    return (sum(values, Decimal(0)) / len(values)).quantize(TWO, rounding=ROUND_HALF_UP)


def fields_of(payload: dict[str, Any], set_code: str | None) -> list[dict[str, Any]]:
    for s in payload.get("criteria_sets", []):
        if s["code"] == set_code:
            return list(s["fields"])
    return []


def analyse(payload: dict[str, Any]) -> list[GroupAnalysis]:
    result = []
    for group in payload.get("groups", []):
        rows = group["rows"]
        figures = []
        for f in fields_of(payload, group.get("criteria_set")):
            values = [Decimal(r["fields"][f["code"]]) for r in rows if r["fields"].get(f["code"]) is not None]
            if not values:
                continue
            maximum = Decimal(f["max"])
            average = _mean(values)
            changes = [
                Decimal(d)
                for r in rows
                if (d := ((r.get("change") or {}).get("fields") or {}).get(f["code"])) is not None
            ]
            figures.append(
                FieldFigure(
                    code=f["code"],
                    title_vi=f["title_vi"],
                    title_en=f.get("title_en"),
                    max=maximum,
                    average=average,
                    lowest=min(values),
                    highest=max(values),
                    share=(average / maximum) if maximum else Decimal(0),
                    change=_mean(changes) if changes else None,
                )
            )
        totals = [Decimal(r["total"]) for r in rows if r.get("total") is not None]
        result.append(
            GroupAnalysis(
                group["key"], dict(group["label"]), len(rows), _mean(totals) if totals else None, figures
            )
        )
    return result
