"""Scoring rules as properties (hypothesis): totals, ranks, rounding. Pure domain, no database."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parflow.domain.scoring import (
    Band,
    Leaf,
    ScoreError,
    classify,
    competition_ranks,
    index_of,
    parse_points,
    rank_within_groups,
    read_score,
)

BANDS = [
    Band("Tốt", "Good", Decimal(90)),
    Band("Khá", "Fair", Decimal(80)),
    Band("Trung bình", "Average", Decimal(65)),
    Band("Yếu", "Weak", Decimal(0)),
]


@st.composite
def criteria_and_scores(draw: st.DrawFn) -> tuple[list[Leaf], dict[str, Decimal | None]]:
    """A criteria set whose leaf maxima (in cents) add up to exactly 100, and a score per leaf
    between 0 and its maximum (some missing)."""
    count = draw(st.integers(min_value=1, max_value=40))
    cuts = sorted(draw(st.lists(st.integers(1, 9999), min_size=count - 1, max_size=count - 1, unique=True)))
    bounds = [0, *cuts, 10000]
    leaves = []
    scores: dict[str, Decimal | None] = {}
    for i in range(count):
        maximum = Decimal(bounds[i + 1] - bounds[i]) / 100
        code = f"{i % 8 + 1}.{i}"
        leaves.append(Leaf(code, str(i % 8 + 1), maximum, draw(st.sampled_from(["agency", "survey"]))))
        cents = draw(st.one_of(st.none(), st.integers(0, bounds[i + 1] - bounds[i])))
        scores[code] = None if cents is None else Decimal(cents) / 100
    return leaves, scores


@given(criteria_and_scores())
@settings(max_examples=150, deadline=None)
def test_total_never_exceeds_100_and_equals_the_sum_of_fields(data) -> None:
    leaves, scores = data
    index = index_of(leaves, scores)
    assert Decimal(0) <= index.total <= Decimal(100)
    assert index.total == sum(index.by_field.values(), Decimal(0))
    assert index.total == index.appraised_part + index.survey_part
    assert set(index.missing) == {code for code, v in scores.items() if v is None}
    # the exact sum in integer cents: no float ever touched the scores
    cents = sum(int(v * 100) for v in scores.values() if v is not None)
    assert index.total == Decimal(cents) / 100


@given(criteria_and_scores(), st.randoms(use_true_random=False))
@settings(max_examples=100, deadline=None)
def test_total_does_not_depend_on_the_order_of_leaves(data, rnd: random.Random) -> None:
    leaves, scores = data
    shuffled = list(leaves)
    rnd.shuffle(shuffled)
    assert index_of(shuffled, scores).total == index_of(leaves, scores).total


@given(st.lists(st.integers(0, 10000), min_size=1, max_size=40))
@settings(max_examples=150, deadline=None)
def test_ranks_are_consistent_with_totals(cents: list[int]) -> None:
    totals = {f"a{i}": Decimal(c) / 100 for i, c in enumerate(cents)}
    ranks = competition_ranks(totals)
    for a, ta in totals.items():
        # competition ranking: 1 + the number of strictly better totals
        assert ranks[a] == 1 + sum(1 for tb in totals.values() if tb > ta)
        for b, tb in totals.items():
            if ta > tb:
                assert ranks[a] < ranks[b]
            elif ta == tb:
                assert ranks[a] == ranks[b]
    assert min(ranks.values()) == 1


def test_ties_share_a_rank_and_the_next_rank_skips() -> None:
    ranks = competition_ranks(
        {"a": Decimal("95.98"), "b": Decimal("93"), "c": Decimal("93.00"), "d": Decimal(90)}
    )
    assert [ranks[k] for k in "abcd"] == [1, 2, 2, 4]


@given(
    st.lists(
        st.tuples(st.sampled_from(["department", "urban_district", "rural_district"]), st.integers(0, 10000))
    )
)
@settings(max_examples=100, deadline=None)
def test_each_group_is_ranked_on_its_own(entries) -> None:
    rows = [(f"a{i}", g, Decimal(c) / 100) for i, (g, c) in enumerate(entries)]
    ranked = rank_within_groups(rows, BANDS)
    assert len(ranked) == len(rows)
    for group in {g for _, g, _ in rows}:
        in_group = [r for r in ranked if r.group == group]
        assert [r.rank for r in in_group] == sorted(r.rank for r in in_group)  # best first
        assert in_group[0].rank == 1
        assert [r.total for r in in_group] == sorted((r.total for r in in_group), reverse=True)
        for r in in_group:
            assert r.band == classify(r.total, BANDS)


@pytest.mark.parametrize(
    ("total", "label"),
    [
        ("100", "Tốt"),
        ("90", "Tốt"),
        ("89.99", "Khá"),
        ("80", "Khá"),
        ("65", "Trung bình"),
        ("64.99", "Yếu"),
        ("0", "Yếu"),
    ],
)
def test_classification_bands(total: str, label: str) -> None:
    band = classify(Decimal(total), BANDS)
    assert band is not None and band.label_vi == label


@given(st.integers(0, 100000))
@settings(max_examples=150, deadline=None)
def test_reading_a_score_is_stable_whatever_its_form(cents: int) -> None:
    value = Decimal(cents) / 100
    text = f"{value:.2f}"
    as_float = float(text)
    assert parse_points(text) == value
    assert parse_points(text.replace(".", ",")) == value  # decimal comma, as written in Vietnamese
    assert parse_points(as_float) == value  # a JSON number arrives as a float: read via its shortest form
    assert parse_points(Decimal(text)) == value
    assert parse_points(parse_points(text)) == parse_points(text)


def test_float_noise_never_enters_a_total() -> None:
    leaves = [Leaf(f"l{i}", "1", Decimal("1"), "agency") for i in range(3)]
    scores = {f"l{i}": parse_points(0.1) for i in range(3)}
    assert index_of(leaves, scores).total == Decimal(
        "0.30"
    )  # 0.1 + 0.1 + 0.1 in floats is 0.30000000000000004


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("1.234", "too_many_places"),
        ("abc", "not_a_number"),
        ("", "not_a_number"),
        ("NaN", "not_a_number"),
        ("Infinity", "not_a_number"),
        ("1e2", "not_a_number"),
        (True, "not_a_number"),
        ("1,5,0", "not_a_number"),
        ("-0.5", "out_of_range"),
        ("2.01", "out_of_range"),
    ],
)
def test_bad_scores_are_refused_with_a_reason(raw, reason: str) -> None:
    with pytest.raises(ScoreError) as err:
        read_score(raw, Decimal("2"))
    assert err.value.reason == reason


def test_trailing_zeros_are_not_extra_places() -> None:
    assert read_score("1.500", Decimal(2)) == Decimal("1.50")
