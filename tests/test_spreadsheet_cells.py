"""Text that a spreadsheet would run as a formula is written as text in every CSV and XLSX file
parflow produces; numbers stay numbers (services/common/spreadsheet.py)."""

from __future__ import annotations

import csv
import io
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from parflow.services.common.spreadsheet import safe_cell, safe_row
from tests.support.databases import FIXTURES
from tests.test_cli import env, run  # noqa: F401  (env is a fixture)


@pytest.mark.parametrize(
    "text",
    [
        "=1+1",
        '=HYPERLINK("https://x.example","x")',
        "+1+1",
        "-1+1",
        "-A1",
        "@SUM(1)",
        "\t=1",
        "\r=1",
        "-",
        "+",
    ],
)
def test_formula_like_text_gets_an_apostrophe(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["-1", "-1.50", "+2", "-0,5", "95.98", "Sở Tư pháp", "a=b", "", " =1"])
def test_numbers_and_ordinary_text_stay_as_they_are(value: str) -> None:
    assert safe_cell(value) == value


def test_values_that_are_not_text_are_untouched() -> None:
    assert safe_row([-3, Decimal("-1.25"), None, True, 2.5]) == [-3, Decimal("-1.25"), None, True, 2.5]


def test_status_csv_writes_agency_names_as_text(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    assert run(["db", "upgrade"], env).returncode == 0
    assert run(["campaign", "load", str(FIXTURES / "mini")], env).returncode == 0
    with sqlite3.connect(tmp_path / "data" / "parflow.db") as db:
        db.execute(
            "UPDATE agency SET name = ? WHERE code = 'dept-a'", ('=HYPERLINK("https://x.example","x")',)
        )
    out = run(["status", "mini-2021", "--format", "csv"], env)
    assert out.returncode == 0, out.stderr
    rows = {r["agency"]: r for r in csv.DictReader(io.StringIO(out.stdout))}
    assert rows["dept-a"]["name"] == '\'=HYPERLINK("https://x.example","x")'
    assert rows["dept-b"]["version"].isdigit()
