"""Hải Phòng's PAR Index 2025, replayed: the example campaign (127 units in three groups) is driven
through the whole lifecycle from its scores file, and the table it publishes must show exactly the
figures announced on 9/1/2026 (shared/domain.md, 'Since 2025'), written out below by hand, not read
from the scores file: a wrong scores file, a wrong split into leaves or a wrong ranking all fail.
"""

from __future__ import annotations

import html
import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlmodel import select

from parflow.clock import FixedClock
from parflow.domain.criteria import load_criteria_set
from parflow.season_replay import ScoresFileError, plan_unit, read_scores, replay
from parflow.services.campaigns.input import GROUPS, read_campaign
from parflow.services.results.service import GROUPS as RESULT_GROUPS
from parflow.services.results.service import published
from parflow.services.results.survey import sipas_summary
from parflow.settings import PROJECT_ROOT
from parflow.store.models import AuditEntry, Campaign
from tests.support.auth import sign_in
from tests.support.cli import parflow
from tests.support.databases import load_fixture_campaign

EXAMPLE = PROJECT_ROOT / "examples" / "haiphong-2025"

# (rank, agency code, name as announced, PAR Index as announced or None where only the rank was)
ANNOUNCED: dict[str, list[tuple[int, str, str, str | None]]] = {
    "department": [
        (1, "ttr", "Thanh tra thành phố", "94.71"),
        (2, "vp-ubnd", "Văn phòng UBND thành phố", "94.40"),
        (3, "stc", "Sở Tài chính", "92.99"),
        (4, "sngv", "Sở Ngoại vụ", "92.90"),
        (5, "snv", "Sở Nội vụ", "92.71"),
        (14, "bqlkkt", "Ban Quản lý khu kinh tế", "88.99"),
    ],
    "ward": [
        (1, "p-hong-bang", "phường Hồng Bàng", "95.80"),
        (2, "p-hai-an", "phường Hải An", "95.77"),
        (3, "p-hong-an", "phường Hồng An", "95.57"),
        (4, "p-ngo-quyen", "phường Ngô Quyền", None),
        (5, "p-le-chan", "phường Lê Chân", None),
        (45, "p-bac-an-phu", "phường Bắc An Phụ", "76.26"),
    ],
    "commune": [
        (1, "dk-cat-hai", "đặc khu Cát Hải", "94.15"),
        (2, "x-quyet-thang", "xã Quyết Thắng", "93.40"),
        (3, "x-an-lao", "xã An Lão", "92.94"),
        (4, "x-gia-loc", "xã Gia Lộc", None),
        (5, "x-phu-thai", "xã Phú Thái", None),
        (68, "x-vinh-am", "xã Vĩnh Am", "73.37"),
    ],
}
SIZES = {"department": 14, "ward": 45, "commune": 68}
# group: (average SIPAS %, leader code, leader name, leader's SIPAS %)
SIPAS = {
    "department": ("93.95", "sct", "Sở Công Thương", "96.86"),
    "ward": ("92.26", "p-hong-bang", "phường Hồng Bàng", "98.30"),
    "commune": ("91.87", "x-khuc-thua-du", "xã Khúc Thừa Dụ", "97.98"),
}


@pytest.fixture
def replayed(rt, clock: FixedClock, password_hash: str) -> dict[str, Any]:
    code = load_fixture_campaign(rt, EXAMPLE, password_hash)
    report = replay(rt, code, read_scores(EXAMPLE / "scores-2025.csv"))
    assert report.units == 127
    with rt.db.read() as session:
        return published(session, code)


# about 1 400 transactions: 127 units through every step of the season; on both databases, since
# ranking ties, decimals and the collation of 127 Vietnamese names must publish the same table
@pytest.mark.slow
@pytest.mark.both_backends
def test_the_published_table_is_the_announced_one(replayed: dict[str, Any], rt, client) -> None:  # type: ignore[no-untyped-def]
    table = replayed
    groups = {g["key"]: g for g in table["groups"]}
    assert list(groups) == ["department", "ward", "commune"]
    wrong: list[str] = []

    def check(what: str, got: object, want: object) -> None:
        if got != want:
            wrong.append(f"{what}: published {got!r}, announced {want!r}")

    for key, rows in ANNOUNCED.items():
        published_rows = groups[key]["rows"]
        check(f"{key} size", len(published_rows), SIZES[key])
        by_rank = {r["rank"]: r for r in published_rows}
        check(f"{key} ranks", sorted(by_rank), list(range(1, SIZES[key] + 1)))  # no ties
        for rank, code, name, score in rows:
            row = by_rank.get(rank, {})
            check(f"{key} #{rank} unit", row.get("agency", {}).get("code"), code)
            check(f"{key} #{rank} name", row.get("agency", {}).get("name", "").endswith(name), True)
            if score is not None:
                check(f"{key} #{rank} PAR Index", row.get("total"), score)
        # the ranked order of the ones announced without a score is still the announced order
        totals = [Decimal(r["total"]) for r in sorted(published_rows, key=lambda r: r["rank"])]
        check(f"{key} order", totals, sorted(totals, reverse=True))
        average, leader, leader_name, leader_value = SIPAS[key]
        sipas = groups[key]["sipas"]
        check(f"{key} SIPAS average", sipas["average"], average)
        check(f"{key} SIPAS highest", sipas["highest"], leader_value)
        check(f"{key} SIPAS leaders", [a["code"] for a in sipas["leaders"]], [leader])
        check(f"{key} SIPAS leader name", sipas["leaders"][0]["name"].endswith(leader_name), True)
    # "Ten wards scored 93 or more ('xuất sắc')"
    excellent = [r for r in groups["ward"]["rows"] if r["classification"]["vi"] == "Xuất sắc"]
    check("wards classed xuất sắc", len(excellent), 10)
    check("wards at 93 or more", sum(Decimal(r["total"]) >= 93 for r in groups["ward"]["rows"]), 10)
    check("best band", table["classification"][0]["min"], "93.00")
    assert wrong == []

    # published on 9/1/2026 through the real lifecycle: every row went through the workflow
    assert table["published_at"].startswith("2026-01-09")
    assert {r["state"]["key"] for g in table["groups"] for r in g["rows"]} == {"published"}
    assert table["excluded"] == []
    with rt.db.read() as session:
        campaign = session.exec(select(Campaign).where(Campaign.code == "haiphong-2025")).one()
        actions = {
            a for a in session.exec(select(AuditEntry.action).where(AuditEntry.campaign_id == campaign.id))
        }
    assert {"survey_import", "publish"} <= actions

    # the heads' classification (the campaign's assumed rule) is frozen with the table: no
    # condition applies below 85 points, so the last two units are classed on the index alone
    assert all(r["head_classification"] for g in table["groups"] for r in g["rows"])
    for key in ("ward", "commune"):
        last = groups[key]["rows"][-1]
        assert last["head_classification"]["vi"] == "Hoàn thành nhiệm vụ", last

    _every_page_and_export_holds_127_units(client, table)


def _every_page_and_export_holds_127_units(client, table: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """Scale of one real campaign: every page, the board and the exports with all 127 units."""
    names = [r["agency"]["name"] for g in table["groups"] for r in g["rows"]]
    sign_in(client, "cchc.hang@snv.2025.haiphong.example")
    for path in ("/campaigns/haiphong-2025/results", "/campaigns/haiphong-2025/board"):
        page = client.get(path)
        assert page.status_code == 200, path
        missing = [n for n in names if html.escape(n, quote=False) not in page.text]
        assert missing == [], (path, missing[:5])
    for path in (
        "/campaigns/haiphong-2025",
        "/campaigns/haiphong-2025/publication",
        "/campaigns/haiphong-2025/notifications",
        "/campaigns/haiphong-2025/workflow",
        "/campaigns/haiphong-2025/results/agencies/x-vinh-am",
        "/campaigns/haiphong-2025/board.csv",
        "/campaigns/haiphong-2025/board.xlsx",
    ):
        assert client.get(path).status_code == 200, path
    workbook = load_workbook(io.BytesIO(client.get("/api/v1/campaigns/haiphong-2025/results.xlsx").content))
    data_rows = {
        ws.title: sum(1 for r in ws.iter_rows(min_row=3, values_only=True) if r[1])
        for ws in workbook.worksheets[1:]
    }
    assert sorted(data_rows.values()) == [14, 45, 68], data_rows
    report = Document(io.BytesIO(client.get("/api/v1/campaigns/haiphong-2025/results.docx").content))
    assert [len(t.rows) - 1 for t in report.tables[:3]] == [14, 45, 68]
    assert "Xếp loại người đứng đầu" in [c.text for c in report.tables[0].rows[0].cells]


def test_the_example_has_the_two_tier_structure(rt) -> None:
    data = read_campaign(EXAMPLE, rt.workflows)
    counts = {g: sum(a.group == g for a in data.agencies) for g in ("department", "ward", "commune")}
    assert counts == SIZES
    names = [a.name for a in data.agencies]
    assert len(set(names)) == 127
    assert sum(n.startswith("UBND đặc khu") for n in names) == 1  # Cát Hải; see agencies.yaml
    assert {cs.code for cs, _ in data.criteria} == {"departments-2025", "wards-2025", "communes-2025"}
    assert data.spec.index_year == 2025
    assert {m.key: m.due_date for m in data.milestones}["publication"] == date(2026, 1, 9)
    # the district groups keep working beside the new ones, with labels in both languages
    assert (
        set(GROUPS)
        == set(RESULT_GROUPS)
        >= {"department", "urban_district", "rural_district", "ward", "commune"}
    )
    assert RESULT_GROUPS["commune"].vi == "UBND xã, đặc khu"
    # every figure of the scores file can be reached with the leaves of its unit's set
    sets = {
        g: load_criteria_set(EXAMPLE / f"criteria-{f}.yaml")
        for g, f in (("department", "departments"), ("ward", "wards"), ("commune", "communes"))
    }
    for cs in sets.values():  # shaped like the published provincial sets: 100 points, 30 by survey
        leaves = list(cs.leaves())
        assert cs.total == sum((leaf.max_score for leaf in leaves), Decimal(0)) == 100
        assert sum((leaf.max_score for leaf in leaves if leaf.scored_by == "survey"), Decimal(0)) == 30
    figures = read_scores(EXAMPLE / "scores-2025.csv")
    for agency in data.agencies:
        plan = plan_unit(figures[agency.code], list(sets[agency.group].leaves()))
        total = sum(plan.appraised.values(), Decimal(0)) + sum(plan.survey.values(), Decimal(0))
        assert total == figures[agency.code].par_index, agency.code


def test_a_bad_scores_file_is_refused_with_the_reason(tmp_path) -> None:
    bad = tmp_path / "scores.csv"
    bad.write_text(
        "# comment\nagency,par_index,sipas\nttr,94.71,abc\nstc,101,90\nsnv,92.715,90\n", encoding="utf-8"
    )
    with pytest.raises(ScoresFileError) as caught:
        read_scores(bad)
    message = str(caught.value)
    assert "ttr: par_index and sipas must be numbers" in message
    assert "stc: par_index and sipas must lie between 0 and 100" in message
    assert "snv: figures have at most two decimals" in message


def test_the_replay_command_refuses_what_it_cannot_replay(rt, mini: str, tmp_path) -> None:
    scores = EXAMPLE / "scores-2025.csv"
    unknown = parflow(rt, "campaign", "replay", "haiphong-2030", str(scores))
    assert unknown.exit_code == 1
    assert "haiphong-2030" in unknown.stderr
    # the 2025 figures do not fit the three-agency campaign: nothing is written
    with rt.db.read() as session:
        before = len(session.exec(select(AuditEntry)).all())
    mismatch = parflow(rt, "campaign", "replay", mini, str(scores))
    assert mismatch.exit_code == 1
    assert f"the scores file does not match campaign {mini}" in mismatch.stderr
    assert "unknown units" in mismatch.stderr
    with rt.db.read() as session:
        assert len(session.exec(select(AuditEntry)).all()) == before
    missing = parflow(rt, "campaign", "replay", mini, str(tmp_path / "none.csv"))
    assert missing.exit_code == 1
    assert "no such file" in missing.stderr


def test_group_sipas_figures_round_like_scores_and_name_every_leader() -> None:
    def row(code: str, sipas: str | None) -> dict[str, Any]:
        return {"agency": {"code": code, "name": code}, "sipas_percent": sipas}

    tied = sipas_summary([row("a", "90.00"), row("b", "95.50"), row("c", "95.50"), row("d", None)])
    # (90 + 95.5 + 95.5) / 3 = 93.666…: half away from zero, the unit without a survey left out
    assert tied == {
        "average": "93.67",
        "highest": "95.50",
        "leaders": [{"code": "b", "name": "b"}, {"code": "c", "name": "c"}],
        "units": 3,
    }
    assert sipas_summary([row("a", "92.125"), row("b", "92.12")])["average"] == "92.12"  # 92.1225
    assert sipas_summary([row("a", None)]) == {"average": None, "highest": None, "leaders": [], "units": 0}
