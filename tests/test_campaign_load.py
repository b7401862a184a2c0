"""Campaign input: loading is idempotent, and a malformed input is rejected whole with file:line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel, select

from parflow.domain.errors import Conflict
from parflow.services.campaigns.input import read_campaign
from parflow.services.campaigns.load import load_campaign
from parflow.services.common.runtime import Runtime
from parflow.store.models import Agency, Milestone, Person, RoleAssignment, Submission
from parflow.yamlsource import SourceError
from tests.support.databases import EXAMPLE, FIXTURES


def table_counts(rt: Runtime) -> dict[str, int]:
    with rt.db.engine.connect() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in SQLModel.metadata.sorted_tables
        }


def load(rt: Runtime, path: Path):  # type: ignore[no-untyped-def]
    data = read_campaign(path, rt.workflows)
    return rt.db.run(lambda s: load_campaign(s, rt, data))


def copy_mini(tmp_path: Path) -> Path:
    target = tmp_path / "campaign"
    shutil.copytree(FIXTURES / "mini", target)
    return target


@pytest.mark.both_backends
def test_example_campaign_loads_with_35_agencies(rt: Runtime) -> None:
    report = load(rt, EXAMPLE)
    assert report.created
    with rt.db.read() as session:
        agencies = session.exec(select(Agency)).all()
        groups = sorted({a.group for a in agencies})
        assert len(agencies) == 35
        assert groups == ["department", "rural_district", "urban_district"]
        assert sum(a.group == "department" for a in agencies) == 20
        assert len(session.exec(select(Submission)).all()) == 35
        dates = {m.key: m.due_date.isoformat() for m in session.exec(select(Milestone))}
    assert dates["publication"] == "2022-03-28"
    assert dates["self_assessment_due"] == "2022-01-14"
    # planned backwards from publication (28/03) in working days: 3 and 20 working days back stay in
    # March and late February, so neither crosses Tết (31/01-04/02/2022); see
    # tests/deadlines/test_deadline_rules.py and test_deadline_tick.py for counts that do
    assert dates["approval_due"] == "2022-03-23"
    assert dates["appraisal_due"] == "2022-02-28"
    assert dates["publication"] <= "2022-03-31"


@pytest.mark.both_backends
def test_loading_twice_changes_nothing(rt: Runtime) -> None:
    load(rt, EXAMPLE)
    before = table_counts(rt)
    report = load(rt, EXAMPLE)
    assert report.unchanged
    assert table_counts(rt) == before


@pytest.mark.both_backends
def test_reload_with_a_change_updates_in_place(rt: Runtime, tmp_path: Path) -> None:
    folder = copy_mini(tmp_path)
    load(rt, folder)
    before = table_counts(rt)
    text = (folder / "campaign.yaml").read_text(encoding="utf-8")
    (folder / "campaign.yaml").write_text(
        text.replace("Sở Thử nghiệm A", "Sở Thử nghiệm A (đổi tên)"), encoding="utf-8"
    )
    report = load(rt, folder)
    assert not report.unchanged and not report.created
    assert "agency dept-a updated" in report.changes
    after = table_counts(rt)
    assert after["agency"] == before["agency"] and after["submission"] == before["submission"]
    assert after["audit_entry"] == before["audit_entry"] + 1
    with rt.db.read() as session:
        assert (
            session.exec(select(Agency).where(Agency.code == "dept-a")).one().name
            == "Sở Thử nghiệm A (đổi tên)"
        )


@pytest.mark.both_backends
def test_roles_follow_the_input(rt: Runtime, tmp_path: Path) -> None:
    folder = copy_mini(tmp_path)
    load(rt, folder)
    text = (folder / "campaign.yaml").read_text(encoding="utf-8")
    (folder / "campaign.yaml").write_text(
        text.replace('fields: ["1", "2"]', 'fields: ["3"]'), encoding="utf-8"
    )
    load(rt, folder)
    with rt.db.read() as session:
        person = session.exec(select(Person).where(Person.email == "council@mini.example")).one()
        roles = session.exec(select(RoleAssignment).where(RoleAssignment.person_id == person.id)).all()
    assert [(r.role, r.fields) for r in roles] == [("council", ["3"])]


@pytest.mark.both_backends
def test_removing_an_agency_is_refused(rt: Runtime, tmp_path: Path) -> None:
    folder = copy_mini(tmp_path)
    load(rt, folder)
    before = table_counts(rt)
    text = (folder / "campaign.yaml").read_text(encoding="utf-8")
    start = text.index("  - code: quan-c")
    end = text.index("people:")
    (folder / "campaign.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(Conflict):
        load(rt, folder)
    assert table_counts(rt) == before


MALFORMED = [
    ("syntax", ("title: Chiến dịch thử nghiệm", "title: [Chiến dịch"), "campaign.yaml:", "not valid YAML"),
    ("bad group", ("group: urban_district", "group: village"), "campaign.yaml:25", "agencies.2.group"),
    (
        "bad date",
        ("self_assessment_due: 2022-01-14", "self_assessment_due: 14/01/2022"),
        "campaign.yaml:7",
        "self_assessment_due",
    ),
    (
        "unknown milestone",
        ("  publication: 2022-03-28", "  publication: 2022-03-28\n  party_time: 2022-03-29"),
        "campaign.yaml:11",
        "unknown milestone 'party_time'",
    ),
    (
        "missing milestone",
        ("  approval_due: {from: publication, offset: -3}\n", ""),
        "campaign.yaml",
        "milestone 'approval_due' of workflow",
    ),
    (
        "unknown base",
        ("{from: publication, offset: -20}", "{from: launch, offset: -20}"),
        "campaign.yaml:",
        "unknown 'launch'",
    ),
    ("bad email", ("email: ha@mini.example", "email: not-an-address"), "campaign.yaml:", "email"),
    ("unknown role", ("roles: [viewer]", "roles: [janitor]"), "campaign.yaml:", "role"),
    (
        "duplicate key",
        ("index_year: 2021", "index_year: 2021\nindex_year: 2022"),
        "campaign.yaml:5",
        "given twice",
    ),
    (
        "unknown workflow",
        ("workflow: par-index", "workflow: no-such-flow"),
        "campaign.yaml:5",
        "no workflow named",
    ),
    ("duplicate agency", ("code: dept-b", "code: dept-a"), "campaign.yaml", "listed twice"),
]


@pytest.mark.parametrize(("case", "edit", "where", "reason"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_input_is_rejected_whole(
    rt: Runtime, tmp_path: Path, case: str, edit: tuple[str, str], where: str, reason: str
) -> None:
    folder = copy_mini(tmp_path)
    path = folder / "campaign.yaml"
    text = path.read_text(encoding="utf-8")
    assert edit[0] in text, case
    path.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    before = table_counts(rt)
    with pytest.raises(SourceError) as caught:
        load(rt, folder)
    messages = [str(p) for p in caught.value.problems]
    assert any(where in m and reason in m for m in messages), messages
    assert table_counts(rt) == before


def test_malformed_sub_file_names_that_file(rt: Runtime, tmp_path: Path) -> None:
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder)
    agencies = folder / "agencies.yaml"
    agencies.write_text(
        agencies.read_text(encoding="utf-8").replace("group: rural_district", "group: rural", 1),
        encoding="utf-8",
    )
    with pytest.raises(SourceError) as caught:
        load(rt, folder)
    assert any("agencies.yaml:" in str(p) and "group" in str(p) for p in caught.value.problems)
    assert table_counts(rt)["campaign"] == 0
