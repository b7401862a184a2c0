"""The shipped criteria sets: valid, realistic, and consistent with the council's field assignments."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from parflow.domain.criteria import load_criteria_set
from parflow.settings import PROJECT_ROOT
from parflow.yamlsource import SourceError

EXAMPLE = PROJECT_ROOT / "examples" / "haiphong-2021"
SETS = ["criteria-departments.yaml", "criteria-districts.yaml"]


@pytest.mark.parametrize("name", SETS)
def test_example_set_is_realistic(name: str) -> None:
    cs = load_criteria_set(EXAMPLE / name)
    fields = cs.fields()
    leaves = list(cs.leaves())
    assert [f.code for f in fields] == [str(i) for i in range(1, 9)]
    assert cs.total == sum((leaf.max_score for leaf in leaves), Decimal(0)) == 100
    assert 75 <= len(leaves) <= 100
    survey = sum((leaf.max_score for leaf in leaves if leaf.scored_by == "survey"), Decimal(0))
    assert Decimal(28) <= survey <= Decimal(32)
    for leaf in leaves:
        assert leaf.title_vi and leaf.title_en, leaf.code
        assert leaf.method, f"{leaf.code} has no method"
        if leaf.scored_by == "agency":
            assert leaf.evidence_required, f"{leaf.code} names no evidence"
        assert leaf.code.startswith(leaf.field_code + ".")


def test_council_fields_are_the_sets_fields() -> None:
    people = yaml.safe_load((EXAMPLE / "people.yaml").read_text(encoding="utf-8"))
    assigned = {f for p in people for r in p["roles"] if isinstance(r, dict) for f in r.get("fields", [])}
    for name in SETS:
        assert assigned == {f.code for f in load_criteria_set(EXAMPLE / name).fields()}


def test_survey_codes_mean_the_same_in_both_sets() -> None:
    """One survey table serves both groups: a code scored by the survey in one set is never an
    agency-scored leaf in the other."""
    a, b = (load_criteria_set(EXAMPLE / n) for n in SETS)
    survey_a = {leaf.code for leaf in a.leaves() if leaf.scored_by == "survey"}
    survey_b = {leaf.code for leaf in b.leaves() if leaf.scored_by == "survey"}
    agency_b = {leaf.code for leaf in b.leaves() if leaf.scored_by == "agency"}
    agency_a = {leaf.code for leaf in a.leaves() if leaf.scored_by == "agency"}
    assert not survey_a & agency_b and not survey_b & agency_a


def test_a_wrong_total_names_file_and_line(tmp_path: Path) -> None:
    text = (EXAMPLE / SETS[0]).read_text(encoding="utf-8").replace("max: 0.5\n", "max: 0.75\n", 1)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError) as err:
        load_criteria_set(bad)
    messages = [str(p) for p in err.value.problems]
    assert any("bad.yaml:" in m and "declares max 2" in m for m in messages), messages
    assert any("add up to 100.25" in m for m in messages), messages
