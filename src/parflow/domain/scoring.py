"""Scoring rules: reading a score, the index of an agency, ranking within a group, classification.

Pure functions on `Decimal`: a score is a decimal with at most two places, never a float, so the
same inputs always give the same totals and ranks whatever order they are added in. Every leaf is
bounded by its maximum and the maxima of a set add up to its total (checked when the set loads),
so an index can never exceed the set's total (100).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Generic, TypeVar

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_PLACES = 2
LIMIT = Decimal(10) ** 6

K = TypeVar("K")


class ScoreError(ValueError):
    """A score that cannot be accepted; `reason` is a machine word (see the catalogue)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_points(raw: str | int | float | Decimal) -> Decimal:
    """A score as typed by a person or sent by a client: '9.5', '9,5', 9.5, 9 → Decimal('9.50').

    A float is read through its shortest text form (0.1 stays 0.1, not 0.1000000000000000055).
    A decimal comma is accepted because that is how scores are written in Vietnamese.
    """
    if isinstance(raw, bool):
        raise ScoreError("not_a_number")
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(repr(raw))
    elif isinstance(raw, str):
        text = raw.strip()
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        if not text or any(c not in "0123456789.+-" for c in text):
            raise ScoreError("not_a_number")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ScoreError("not_a_number") from None
    else:
        raise ScoreError("not_a_number")
    if not value.is_finite():
        raise ScoreError("not_a_number")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_PLACES:
        raise ScoreError("too_many_places")
    if abs(value) >= LIMIT:
        raise ScoreError("out_of_range")  # no score is this large; and it would not fit two places
    return value.quantize(CENT)


def check_points(value: Decimal, maximum: Decimal) -> Decimal:
    """The score if 0 ≤ value ≤ maximum, else ScoreError('out_of_range')."""
    if value < 0 or value > maximum:
        raise ScoreError("out_of_range")
    return value


def read_score(raw: str | int | float | Decimal, maximum: Decimal) -> Decimal:
    return check_points(parse_points(raw), maximum)


def round_points(value: Decimal) -> Decimal:
    """Two places, half away from zero (the way scores are rounded on paper), never banker's."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Leaf:
    code: str
    field_code: str
    max_score: Decimal
    scored_by: str  # "agency" (appraised score counts) or "survey" (imported score counts)


@dataclass(frozen=True)
class Index:
    """The PAR Index of one agency: the total and its parts."""

    total: Decimal
    by_field: dict[str, Decimal]
    appraised_part: Decimal
    survey_part: Decimal
    missing: tuple[str, ...] = ()  # leaves without a counting score (counted as 0)

    @property
    def complete(self) -> bool:
        return not self.missing


def index_of(leaves: Iterable[Leaf], counted: Mapping[str, Decimal | None]) -> Index:
    """Sum the counting score of each leaf: appraised for agency leaves, survey for survey leaves.

    `counted` maps a leaf code to its counting score; a leaf without one counts 0 and is listed in
    `missing`. Field order follows the first appearance of each field among the leaves.
    """
    by_field: dict[str, Decimal] = {}
    appraised = ZERO
    survey = ZERO
    missing: list[str] = []
    for leaf in leaves:
        value = counted.get(leaf.code)
        by_field.setdefault(leaf.field_code, ZERO)
        if value is None:
            missing.append(leaf.code)
            continue
        value = min(max(value, ZERO), leaf.max_score)  # stored scores are checked; this is a backstop
        by_field[leaf.field_code] += value
        if leaf.scored_by == "survey":
            survey += value
        else:
            appraised += value
    return Index(
        total=round_points(appraised + survey),
        by_field={code: round_points(v) for code, v in by_field.items()},
        appraised_part=round_points(appraised),
        survey_part=round_points(survey),
        missing=tuple(missing),
    )


def competition_ranks(totals: Mapping[K, Decimal]) -> dict[K, int]:
    """Standard competition ranking: the highest total is 1, equal totals share a rank and the
    next rank skips (1, 2, 2, 4). Totals are compared at two places."""
    rounded = {key: round_points(total) for key, total in totals.items()}
    ordered = sorted(rounded.values(), reverse=True)
    first_position: dict[Decimal, int] = {}
    for position, total in enumerate(ordered, start=1):
        first_position.setdefault(total, position)
    return {key: first_position[total] for key, total in rounded.items()}


@dataclass(frozen=True)
class Band:
    label_vi: str
    label_en: str
    min: Decimal


def classify(total: Decimal, bands: Sequence[Band]) -> Band | None:
    """The first band (best first) whose minimum the total reaches."""
    for band in bands:
        if total >= band.min:
            return band
    return None


@dataclass(frozen=True)
class Ranked(Generic[K]):
    key: K
    group: str
    total: Decimal
    rank: int
    band: Band | None


def rank_within_groups(
    entries: Iterable[tuple[K, str, Decimal]], bands: Sequence[Band], tie_order: Mapping[K, str] | None = None
) -> list[Ranked[K]]:
    """Rank each group separately; within a group best first, ties in `tie_order` (e.g. name)."""
    groups: dict[str, dict[K, Decimal]] = {}
    for key, group, total in entries:
        groups.setdefault(group, {})[key] = round_points(total)
    result: list[Ranked[K]] = []
    for group, totals in groups.items():
        ranks = competition_ranks(totals)
        ordered = sorted(totals, key=lambda k: (ranks[k], (tie_order or {}).get(k, str(k))))
        result.extend(Ranked(k, group, totals[k], ranks[k], classify(totals[k], bands)) for k in ordered)
    return result


@dataclass(frozen=True)
class HeadBand:
    """One level of the heads' classification: the unit's index must reach `min` and every
    condition given must hold (a condition left None does not apply)."""

    label_vi: str
    label_en: str
    min: Decimal
    # every field (level-1 criterion) at least this share of its maximum, e.g. 0.5
    min_field_share: Decimal | None = None
    # not among the last N units of its group
    not_in_last: int | None = None
    # satisfaction index (SIPAS) at least this percentage
    min_sipas: Decimal | None = None


@dataclass(frozen=True)
class UnitOutcome:
    total: Decimal
    rank: int
    group_size: int
    # each field's points over its maximum
    field_shares: Mapping[str, Decimal]
    sipas: Decimal | None


def head_band_holds(band: HeadBand, unit: UnitOutcome) -> bool:
    if unit.total < band.min:
        return False
    if band.min_field_share is not None and any(s < band.min_field_share for s in unit.field_shares.values()):
        return False
    if band.not_in_last is not None and unit.rank > unit.group_size - band.not_in_last:
        return False
    # a unit without a SIPAS figure cannot show it reached the threshold
    return band.min_sipas is None or (unit.sipas is not None and unit.sipas >= band.min_sipas)


def classify_head(unit: UnitOutcome, bands: Sequence[HeadBand]) -> HeadBand | None:
    """The first level (best first) whose index threshold and conditions the unit meets: a unit
    whose index reaches a level but misses one of its conditions falls to the next level."""
    for band in bands:
        if head_band_holds(band, unit):
            return band
    return None
