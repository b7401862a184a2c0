"""Last year's results: imported from a hostile file all or nothing (every bad row named), or taken
from the campaign the YAML names; each agency's history over the years."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlmodel import select

from parflow.domain.errors import Invalid
from parflow.i18n import t
from parflow.services.results import previous
from parflow.store.models import Campaign
from tests.results.published import PREVIOUS_FILE
from tests.support.cli import parflow
from tests.support.lifecycle import principal
from tests.support.people import HOME_AFFAIRS, SGTVT_FOCAL

GOOD = "agency,rank,total,1,2\nsgtvt,3,88.50,9.00,8.25\nttr,1,90.10,9.50,8.00\n"


def _import(rt, campaign, data: bytes, who=HOME_AFFAIRS, name="2020.csv"):  # type: ignore[no-untyped-def]
    person = principal(rt, who)
    return rt.db.run(lambda s: previous.import_previous(s, rt, person, campaign, data, name))


def _stored(rt, campaign):  # type: ignore[no-untyped-def]
    with rt.db.read() as session:
        return session.exec(select(Campaign).where(Campaign.code == campaign)).one().previous_results


def test_a_good_file_is_stored_for_the_year_before(rt, campaign) -> None:  # type: ignore[no-untyped-def]
    report = _import(rt, campaign, GOOD.encode())
    assert (report.index_year, report.agencies) == (2020, 2)
    stored = _stored(rt, campaign)
    assert stored["rows"]["sgtvt"] == {
        "group": "department",
        "rank": 3,
        "total": "88.50",
        "fields": {"1": "9.00", "2": "8.25"},
    }


def test_every_bad_row_is_named_and_nothing_is_stored(rt, campaign) -> None:  # type: ignore[no-untyped-def]
    bad = (
        "agency,rank,total,1\n"
        "sgtvt,3,88.50,9.00\n"
        "nope,1,80,1\n"  # line 3: no such agency
        "ttr,1,=SUM(A1:A3),1\n"  # line 4: a formula
        "sgtvt,2,70,1\n"  # line 5: twice
        "q-le-chan,1.5,80,1\n"  # line 6: a rank is a whole number
        "q-ngo-quyen,1,180,1\n"  # line 7: over 100
    )
    with pytest.raises(Invalid) as caught:
        _import(rt, campaign, bad.encode())
    lines = [t(u.key, "vi", **u.params) for u in caught.value.unmet]
    assert lines == [
        "Dòng 3: không có cơ quan mã 'nope' trong đợt đánh giá.",
        "Dòng 4: cơ quan 'ttr', cột 'total': '=SUM(A1:A3)' không phải số hợp lệ (không nhận công thức).",
        "Dòng 5: cơ quan 'sgtvt' đã có ở Dòng 2.",
        "Dòng 6: cơ quan 'q-le-chan', cột 'rank': '1.5' không phải số hợp lệ (không nhận công thức).",
        "Dòng 7: cơ quan 'q-ngo-quyen', cột 'total': '180' không phải số hợp lệ (không nhận công thức).",
    ]
    assert _stored(rt, campaign) is None


def test_formula_cells_in_a_workbook_are_refused(rt, campaign) -> None:  # type: ignore[no-untyped-def]
    wb = Workbook()
    ws = wb.active
    ws.append(["agency", "rank", "total"])
    ws.append(["sgtvt", 1, "=1+1"])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(Invalid) as caught:
        _import(rt, campaign, out.getvalue(), name="2020.xlsx")
    # openpyxl reads the cached value of a formula; a file written without one gives nothing
    assert caught.value.unmet and _stored(rt, campaign) is None


def test_size_role_and_columns_are_checked(rt, campaign) -> None:  # type: ignore[no-untyped-def]
    from parflow.domain.errors import Forbidden

    with pytest.raises(Invalid) as caught:
        _import(rt, campaign, b"agency,rank,total\n" + b"x" * previous.MAX_BYTES)
    assert caught.value.key == "previous.too_large"
    with pytest.raises(Forbidden):
        _import(rt, campaign, GOOD.encode(), who=SGTVT_FOCAL)
    with pytest.raises(Invalid) as caught:
        _import(rt, campaign, b"agency,score\nsgtvt,80\n")
    assert [u.key for u in caught.value.unmet] == ["previous.columns_missing"]
    assert _stored(rt, campaign) is None


def test_the_cli_imports_the_example_file_and_names_bad_rows(rt, campaign, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # the example file says, in its own heading and every row, that its figures are invented
    heading = PREVIOUS_FILE.read_text(encoding="utf-8").splitlines()[0]
    assert "ILLUSTRATIVE" in heading and "MINH HOẠ" in heading
    ok = parflow(rt, "previous-results", "import", campaign, str(PREVIOUS_FILE), "--note", "minh hoạ")
    assert ok.exit_code == 0, ok.output
    assert "previous results (2020) imported for 35 agencies of haiphong-2021" in ok.output
    bad = tmp_path / "bad.csv"
    bad.write_text("agency,rank,total\nsgtvt,1,abc\n", encoding="utf-8")
    refused = parflow(rt, "previous-results", "import", campaign, str(bad))
    assert refused.exit_code == 1
    assert "Line 2: agency 'sgtvt', column 'total': 'abc' is not a valid number" in refused.output
    assert len(_stored(rt, campaign)["rows"]) == 35  # the earlier import stands
