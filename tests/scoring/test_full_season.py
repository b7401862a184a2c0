"""A whole season on each backend: 35 agencies score and submit, the council appraises (adjusting
some scores), two disputes (one accepted, one rejected), the survey is imported, everything is
approved and published. The published table must match totals computed here independently, from
the inputs alone, and the published XLSX must open with openpyxl.

Bulk steps go through the services (35 × 80 HTTP calls would test nothing new); the steps whose
HTTP behaviour matters here (disputes, resolutions, publication, results) go through the API.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from sqlmodel import col, select

from parflow import demo_season as ds
from parflow.domain.criteria import load_criteria_set
from parflow.services.common import audit
from parflow.settings import PROJECT_ROOT
from parflow.store.models import Agency, Campaign, Score, Submission
from tests.support.lifecycle import submission_id
from tests.support.passwords import PASSWORD
from tests.support.people import COUNCIL_3, HOME_AFFAIRS
from tests.support.season import (
    SURVEY_FILE,
    appraise_all,
    approve,
    complete_self_assessment,
    import_survey,
    pass_dispute_window,
    send_results,
    start_appraisal,
    submit,
)

# the whole season once on each database
pytestmark = pytest.mark.both_backends

EXAMPLE = PROJECT_ROOT / "examples" / "haiphong-2021"
SETS = {
    "department": load_criteria_set(EXAMPLE / "criteria-departments.yaml"),
    "urban_district": load_criteria_set(EXAMPLE / "criteria-districts.yaml"),
    "rural_district": load_criteria_set(EXAMPLE / "criteria-districts.yaml"),
}
# (agency, leaf, outcome): the council halves these scores; the agencies dispute them
DISPUTED = [("sgtvt", "3.3.2", "accepted"), ("q-ngo-quyen", "3.3.3", "rejected")]


def agencies() -> list[dict]:
    return yaml.safe_load((EXAMPLE / "agencies.yaml").read_text(encoding="utf-8"))


def survey_values(path: Path) -> dict[str, dict[str, Decimal]]:
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    return {
        r["agency"]: {k: Decimal(v) for k, v in r.items() if k not in ("agency", "name") and v} for r in rows
    }


def expected_table() -> dict[str, dict]:
    """Totals, ranks and classes computed from the inputs, without parflow's scoring code."""
    survey = survey_values(SURVEY_FILE)
    halved = {(a, leaf) for a, leaf, _ in DISPUTED}
    accepted = {(a, leaf) for a, leaf, outcome in DISPUTED if outcome == "accepted"}
    table: dict[str, dict] = {}
    for agency in agencies():
        code = agency["code"]
        fields: dict[str, Decimal] = {}
        total = Decimal(0)
        for leaf in SETS[agency["group"]].leaves():
            if leaf.scored_by == "survey":
                value = survey[code][leaf.code]
            else:
                own = ds.self_score(code, leaf.code, leaf.max_score)
                if (code, leaf.code) in accepted:
                    value = own  # the dispute restored the self-score
                elif (code, leaf.code) in halved:
                    value = (own / 2).quantize(Decimal("0.01"))
                else:
                    value = ds.appraised(code, leaf.code, leaf.max_score, own).score
            fields[leaf.field_code] = fields.get(leaf.field_code, Decimal(0)) + value
            total += value
        table[code] = {
            "group": agency["group"],
            "total": total,
            "fields": fields,
            "sipas": survey[code]["sipas"],
        }
    for group in {row["group"] for row in table.values()}:
        totals = [row["total"] for row in table.values() if row["group"] == group]
        for row in table.values():
            if row["group"] == group:
                row["rank"] = 1 + sum(1 for t in totals if t > row["total"])
    for row in table.values():
        t = row["total"]
        row["class"] = "Tốt" if t >= 90 else "Khá" if t >= 80 else "Trung bình" if t >= 65 else "Yếu"
    return table


def test_a_whole_season(client, login, rt, campaign) -> None:
    ids = {a["code"]: submission_id(rt, a["code"]) for a in agencies()}
    assert len(ids) == 35

    # self-assessment: every agency scores every leaf and submits (a few attach files and links)
    for code, sid in ids.items():
        complete_self_assessment(rt, sid, files=1 if code in ("sgtvt", "q-ngo-quyen") else 0)
        submit(rt, sid)
    # appraisal: Home Affairs opens it, each council member appraises their fields
    for code, sid in ids.items():
        start_appraisal(rt, sid)
        overrides = {
            leaf: (
                (ds.self_score(code, leaf, Decimal("1.50")) / 2).quantize(Decimal("0.01")),
                "Tỷ lệ hồ sơ đúng hạn trên hệ thống thấp hơn số tự chấm.",
            )
            for a, leaf, _ in DISPUTED
            if a == code
        }
        appraise_all(rt, sid, overrides)
        send_results(rt, sid)

    with rt.db.read() as session:
        adjusted = session.exec(
            select(Score).where(
                col(Score.appraised_score).is_not(None), Score.appraised_score != Score.self_score
            )
        ).all()
    assert len(adjusted) >= 20 and all(s.appraisal_comment for s in adjusted)

    # two disputes through the API, one accepted, one rejected
    for code, leaf, outcome in DISPUTED:
        head = login(f"lanh-dao.{code}@haiphong.example")
        filed = client.post(
            f"/api/v1/submissions/{ids[code]}/disputes",
            json={
                "disputes": [{"criterion": leaf, "argument": "Số liệu đối soát với hệ thống: đạt trên 98%."}]
            },
            headers=head,
        )
        assert filed.status_code == 201, filed.text
        dispute = filed.json()["disputes"][0]
        assert dispute["owner"]["email"] == COUNCIL_3
        body = {
            "outcome": outcome,
            "reason": "Đã kiểm tra lại số liệu trên Hệ thống thông tin giải quyết TTHC.",
        }
        if outcome == "accepted":
            body["score"] = str(ds.self_score(code, leaf, Decimal("1.50")))
        resolved = client.post(
            f"/api/v1/disputes/{dispute['id']}/resolution", json=body, headers=login(COUNCIL_3)
        )
        assert resolved.status_code == 200, resolved.text
        assert resolved.json()["submission_state"] == "under_appraisal"

    # survey, then approval once every dispute window has closed
    report = import_survey(rt, campaign)
    assert len(report.agencies) == 35
    early = client.post(f"/api/v1/submissions/{ids['sgtvt']}/events/approve", headers=login(HOME_AFFAIRS))
    assert early.status_code == 422 and early.json()["errors"][0]["code"] == "dispute_window_still_open"
    for sid in ids.values():
        pass_dispute_window(rt, sid)
    for sid in ids.values():
        approve(rt, sid)

    # weeks have passed: sign in again (tokens last a working day)
    token = client.post("/api/v1/auth/token", data={"username": HOME_AFFAIRS, "password": PASSWORD}).json()
    published = client.post(
        f"/api/v1/campaigns/{campaign}/publish", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert published.status_code == 200, published.text

    # the published table against the independent computation
    expected = expected_table()
    results = client.get(f"/api/v1/campaigns/{campaign}/results").json()
    seen = 0
    for group in results["groups"]:
        ranks = [row["rank"] for row in group["rows"]]
        assert ranks == sorted(ranks)
        for row in group["rows"]:
            want = expected[row["agency"]["code"]]
            assert row["total"] == f"{want['total']:.2f}", row["agency"]["code"]
            assert row["rank"] == want["rank"], row["agency"]["code"]
            assert row["classification"]["vi"] == want["class"]
            assert row["fields"] == {k: f"{v:.2f}" for k, v in want["fields"].items()}
            assert row["sipas_percent"] == f"{want['sipas']:.2f}"
            assert group["key"] == want["group"]
            seen += 1
    assert seen == 35
    top = {g["key"]: g["rows"][0]["agency"]["code"] for g in results["groups"]}
    assert top["department"] == "sgtvt"
    assert {row["class"] for row in expected.values()} >= {"Tốt", "Khá"}

    # the XLSX opens and says the same
    xlsx = client.get(f"/api/v1/campaigns/{campaign}/results.xlsx")
    assert xlsx.status_code == 200
    wb = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    for name, key in (
        ("Sở, ban, ngành", "department"),
        ("UBND quận", "urban_district"),
        ("UBND huyện", "rural_district"),
    ):
        rows = list(wb[name].iter_rows(min_row=3, values_only=True))
        headings = next(wb[name].iter_rows(min_row=2, max_row=2, values_only=True))
        total_col = headings.index("Chỉ số CCHC (điểm)")
        assert len(rows) == sum(1 for r in expected.values() if r["group"] == key)
        for row in rows:
            assert Decimal(str(row[total_col])).quantize(Decimal("0.01")) == expected[row[1]]["total"]
            assert row[0] == expected[row[1]]["rank"]

    # every change is in an unbroken audit chain, whose head the publication names
    with rt.db.read() as session:
        campaign_row = session.exec(select(Campaign)).one()
        report_chain = audit.verify(session, campaign_row)
        assert report_chain.ok, report_chain.reason
        assert results["audit_head"]["hash"] == report_chain.head_hash
        states = set(
            session.exec(select(Submission.state).join(Agency, Agency.id == Submission.agency_id)).all()
        )
        assert states == {"published"}
