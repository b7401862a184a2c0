"""Named guards: the conditions a transition may require.

A workflow file names guards; this module is the only place that maps a name to code. Each guard
looks at a `GuardContext` (facts about one submission, provided by the service layer) and returns
the unmet conditions, so that a refusal can list every reason at once instead of the first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Protocol

from parflow.domain.errors import Unmet


class LeafGap(Protocol):
    code: str
    reason: str  # "unscored" | "no_evidence"


class GuardContext(Protocol):
    """Facts a guard may ask about one submission. Implementations load each fact lazily."""

    @property
    def now(self) -> datetime: ...

    @property
    def comment(self) -> str | None: ...

    @property
    def campaign_publication(self) -> bool: ...

    def self_assessment_gaps(self) -> list[LeafGap]: ...

    def unappraised_leaves(self) -> list[str]: ...

    def open_dispute_count(self) -> int: ...

    def results_sent_at(self) -> datetime | None: ...

    def dispute_window_closes_at(self) -> datetime | None: ...

    def missing_survey_leaves(self) -> list[str]: ...


Guard = Callable[[GuardContext], list[Unmet]]


def self_assessment_complete(ctx: GuardContext) -> list[Unmet]:
    return [
        Unmet(f"guard.leaf_{gap.reason}", {"criterion": gap.code}, field=gap.code)
        for gap in ctx.self_assessment_gaps()
    ]


def comment_given(ctx: GuardContext) -> list[Unmet]:
    return [] if (ctx.comment or "").strip() else [Unmet("guard.comment_required", field="comment")]


def appraisal_complete(ctx: GuardContext) -> list[Unmet]:
    return [
        Unmet("guard.leaf_unappraised", {"criterion": code}, field=code) for code in ctx.unappraised_leaves()
    ]


def results_sent(ctx: GuardContext) -> list[Unmet]:
    return [] if ctx.results_sent_at() is not None else [Unmet("guard.results_not_sent")]


def dispute_window_open(ctx: GuardContext) -> list[Unmet]:
    closes = ctx.dispute_window_closes_at()
    if closes is None:
        return [Unmet("guard.results_not_sent")]
    return [] if ctx.now <= closes else [Unmet("guard.dispute_window_closed", {"closed_at": closes})]


def dispute_window_closed(ctx: GuardContext) -> list[Unmet]:
    """The agency's right to dispute lasts the whole window: results are final only after it."""
    closes = ctx.dispute_window_closes_at()
    if closes is None or ctx.now > closes:
        return []  # not sent yet is `results_sent`'s concern
    return [Unmet("guard.dispute_window_still_open", {"closes_at": closes})]


def has_open_disputes(ctx: GuardContext) -> list[Unmet]:
    return [] if ctx.open_dispute_count() > 0 else [Unmet("guard.no_dispute_filed")]


def no_open_disputes(ctx: GuardContext) -> list[Unmet]:
    count = ctx.open_dispute_count()
    return [] if count == 0 else [Unmet("guard.open_disputes", {"count": count})]


def survey_results_present(ctx: GuardContext) -> list[Unmet]:
    return [
        Unmet("guard.survey_missing", {"criterion": code}, field=code) for code in ctx.missing_survey_leaves()
    ]


def campaign_publication(ctx: GuardContext) -> list[Unmet]:
    return [] if ctx.campaign_publication else [Unmet("guard.publish_whole_campaign")]


GUARDS: Mapping[str, Guard] = {
    "self_assessment_complete": self_assessment_complete,
    "comment_given": comment_given,
    "appraisal_complete": appraisal_complete,
    "results_sent": results_sent,
    "dispute_window_open": dispute_window_open,
    "dispute_window_closed": dispute_window_closed,
    "has_open_disputes": has_open_disputes,
    "no_open_disputes": no_open_disputes,
    "survey_results_present": survey_results_present,
    "campaign_publication": campaign_publication,
}
