"""examples/drive_season.py drives a whole season through the HTTP API (in-process mode: the app
inside the script on a fixed clock, its own SQLite database) and leaves a readable results.xlsx."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from openpyxl import load_workbook

from parflow.settings import PROJECT_ROOT


def load_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "drive_season", PROJECT_ROOT / "examples" / "drive_season.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def test_the_script_publishes_a_season_and_downloads_the_xlsx(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))  # the script's own database lands here
    script = load_script()
    out = tmp_path / "results.xlsx"
    assert script.main(["--in-process", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "self-assessment: 35 agencies" in text
    assert "dispute: sgtvt 3.3.2 accepted" in text and "dispute: q-ngo-quyen 3.3.3 rejected" in text
    assert "approval: 35 submissions approved" in text
    wb = load_workbook(out, read_only=True)
    assert wb.sheetnames == ["Thông tin", "Sở, ban, ngành", "UBND quận", "UBND huyện"]
    departments = list(wb["Sở, ban, ngành"].iter_rows(min_row=3, values_only=True))
    assert len(departments) == 20 and departments[0][1] == "sgtvt" and departments[0][0] == 1
    districts = len(list(wb["UBND quận"].iter_rows(min_row=3))) + len(
        list(wb["UBND huyện"].iter_rows(min_row=3))
    )
    assert districts == 15
