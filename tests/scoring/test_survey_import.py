"""Survey import from CSV and XLSX, by the command line and the API: a bad row rejects the whole
file with the reason of every bad row, and nothing is stored."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook
from sqlmodel import func, select
from typer.testing import CliRunner

from parflow.cli import app
from parflow.domain.errors import Invalid
from parflow.store.models import AuditEntry, Score, Submission
from tests.support.lifecycle import submission_id
from tests.support.people import HOME_AFFAIRS, SGTVT_FOCAL
from tests.support.season import SURVEY_FILE, drive_to, import_survey

runner = CliRunner()


@pytest.fixture
def cli_env(rt, monkeypatch) -> None:
    monkeypatch.setenv("PARFLOW_DATABASE_URL", rt.settings.database_url)
    monkeypatch.setenv("PARFLOW_DATA_DIR", str(rt.settings.data_dir))


def table() -> list[list[str]]:
    return list(csv.reader(io.StringIO(SURVEY_FILE.read_text(encoding="utf-8"))))


def to_csv(rows: list[list[str]], delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue().encode("utf-8")


def stored(rt) -> tuple[int, int]:
    with rt.db.read() as session:
        scores = session.exec(
            select(func.count()).select_from(Score).where(Score.survey_score.is_not(None))
        ).one()  # type: ignore[union-attr]
        sipas = session.exec(
            select(func.count()).select_from(Submission).where(Submission.sipas_percent.is_not(None))
        ).one()  # type: ignore[union-attr]
    return scores, sipas


def test_cli_imports_the_example_file(rt, campaign, cli_env) -> None:
    result = runner.invoke(app, ["survey", "import", campaign, str(SURVEY_FILE)])
    assert result.exit_code == 0, result.output
    assert "survey results imported for 35 agencies" in result.output
    assert stored(rt) == (20 * 22 + 15 * 24, 35)
    with rt.db.read() as session:
        sid = submission_id(rt, "sgtvt")
        sub = session.get(Submission, sid)
        assert sub.sipas_percent is not None and 90 < sub.sipas_percent < 100
        entry = session.exec(
            select(AuditEntry).where(AuditEntry.submission_id == sid, AuditEntry.action == "survey_import")
        ).one()
        assert entry.data["source"] == "survey-2021.csv" and len(entry.data["sha256"]) == 64
    # importing the same file again is allowed and changes no value
    again = runner.invoke(app, ["survey", "import", campaign, str(SURVEY_FILE)])
    assert again.exit_code == 0 and stored(rt) == (20 * 22 + 15 * 24, 35)


def test_a_bad_file_is_rejected_whole_with_row_reasons(rt, campaign, cli_env, tmp_path) -> None:
    rows = table()
    header = rows[0]
    col = {name: i for i, name in enumerate(header)}
    rows[1][col["agency"]] = "so-khong-co"  # unknown agency
    rows[2][col["8.3.1"]] = "2.5"  # over the max of 2
    rows[3][col["sipas"]] = "tám mươi"  # not a number
    rows[4][col["1.7.1"]] = "0.955"  # three decimals
    rows[5][col["1.7.2"]] = ""  # missing value
    rows[6][col["3.4.4"]] = "0.9"  # a district-only leaf given for a department
    path = tmp_path / "bad.csv"
    path.write_bytes(to_csv(rows))
    result = runner.invoke(app, ["survey", "import", campaign, str(path)])
    assert result.exit_code == 1
    out = result.output
    assert "The survey file was rejected; nothing was imported:" in out
    assert "Line 2: the campaign has no agency 'so-khong-co'." in out
    assert "Line 3: agency 'sct', column '8.3.1': '2.5' is outside 0 to 2.00." in out
    assert "Line 4: agency 'sdl', column 'sipas': 'tám mươi' is not a valid number" in out
    assert "Line 5: agency 'sgddt', column '1.7.1': '0.955' is not a valid number" in out
    assert "Line 6: agency 'sgtvt' has no value in column '1.7.2'." in out
    assert "Line 7: criterion '3.4.4' is not in the criteria set of 'skhcn'" in out
    assert "Traceback" not in out
    assert stored(rt) == (0, 0)


def test_missing_and_unknown_columns(rt, campaign, cli_env, tmp_path) -> None:
    rows = table()
    drop = rows[0].index("8.3.2")
    rows = [[c for i, c in enumerate(r) if i != drop] + ["1"] for r in rows]
    rows[0][-1] = "9.9.9"
    path = tmp_path / "cols.csv"
    path.write_bytes(to_csv(rows))
    result = runner.invoke(app, ["survey", "import", campaign, str(path)])
    assert result.exit_code == 1
    assert "Column '9.9.9' is not a survey-scored criterion." in result.output
    assert "Column '8.3.2' is missing (needed by 35 agencies in the file)." in result.output
    assert stored(rt) == (0, 0)


def test_unreadable_files(rt, campaign, cli_env, tmp_path) -> None:
    for name, content, fragment in [
        ("empty.csv", b"", "The file is empty."),
        ("latin1.csv", "agency,sipas\nsgtvt,9\xe9".encode("latin-1"), "must be saved as UTF-8"),
        ("fake.xlsx", b"PK\x03\x04garbage", "Cannot read fake.xlsx"),
        ("header-only.csv", b"agency,sipas\n", "no result rows"),
    ]:
        path = tmp_path / name
        path.write_bytes(content)
        result = runner.invoke(app, ["survey", "import", campaign, str(path)])
        assert result.exit_code == 1, name
        assert fragment in result.output, (name, result.output)
    missing = runner.invoke(app, ["survey", "import", campaign, str(tmp_path / "nope.csv")])
    assert missing.exit_code == 1 and "no such file" in missing.output
    unknown = runner.invoke(app, ["survey", "import", "no-such-campaign", str(SURVEY_FILE)])
    assert unknown.exit_code == 1 and "No campaign 'no-such-campaign'" in unknown.output


def test_semicolons_and_decimal_commas_as_excel_writes_them(rt, campaign) -> None:
    rows = table()
    rows = [rows[0]] + [[c.replace(".", ",") if i >= 2 else c for i, c in enumerate(r)] for r in rows[1:]]
    report = import_survey(rt, campaign, to_csv(rows, ";"))
    assert len(report.agencies) == 35 and report.without_results == []


def xlsx_by_group() -> bytes:
    """The example table as a workbook with one sheet per group, numbers as numbers."""
    rows = table()
    wb = Workbook()
    sheets = {"department": wb.active, "district": wb.create_sheet("Quận, huyện")}
    sheets["department"].title = "Sở, ban, ngành"
    for ws in sheets.values():
        ws.append(rows[0])
    for r in rows[1:]:
        ws = sheets["district"] if r[0].startswith(("q-", "h-")) else sheets["department"]
        ws.append([r[0], r[1], *[float(c) if c else None for c in r[2:]]])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_api_import_of_an_xlsx_workbook(client, login, rt, campaign) -> None:
    path = f"/api/v1/campaigns/{campaign}/survey"
    files = {"file": ("dieu-tra-2021.xlsx", xlsx_by_group(), "application/octet-stream")}
    assert client.post(path, files=files).status_code == 401
    assert client.post(path, files=files, headers=login(SGTVT_FOCAL)).status_code == 403
    r = client.post(path, files=files, headers=login(HOME_AFFAIRS))
    assert r.status_code == 200, r.text
    assert len(r.json()["agencies"]) == 35 and r.json()["leaves"] == 20 * 22 + 15 * 24
    assert stored(rt) == (20 * 22 + 15 * 24, 35)
    bad = client.post(
        path, files={"file": ("x.csv", b"agency,sipas\nsgtvt,101\n", "text/csv")}, headers=login(HOME_AFFAIRS)
    )
    assert bad.status_code == 422 and bad.json()["errors"]
    assert client.post(path, headers=login(HOME_AFFAIRS), data={"x": "1"}).status_code == 422


def test_approved_results_cannot_change(rt, campaign) -> None:
    sid = submission_id(rt, "sgtvt")
    drive_to(rt, sid, "approved")
    import_survey(rt, campaign)  # the same values again: fine, nothing changes
    rows = table()
    rows[[r[0] for r in rows].index("sgtvt")][2] = "50.00"
    rows[[r[0] for r in rows].index("stp")][2] = "50.00"
    with pytest.raises(Invalid) as err:
        import_survey(rt, campaign, to_csv(rows))
    assert [(u.key, u.params["agency"]) for u in err.value.unmet] == [("survey.already_approved", "sgtvt")]
    with rt.db.read() as session:
        assert session.get(Submission, submission_id(rt, "stp")).sipas_percent != 50
