"""The published results per field, with their decision and the change since last year: the JSON
API, the CSV, the XLSX and the Word report all carry them, and they agree."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from docx import Document
from openpyxl import load_workbook

from tests.results.published import publish
from tests.support.cli import parflow


def _json(client, campaign):  # type: ignore[no-untyped-def]
    r = client.get(f"/api/v1/campaigns/{campaign}/results")
    assert r.status_code == 200, r.text
    return r.json()


def _previous_row(code: str) -> dict[str, str]:
    from tests.results.published import PREVIOUS_FILE

    rows = csv.DictReader(io.StringIO(PREVIOUS_FILE.read_text(encoding="utf-8")))
    return next(r for r in rows if r["agency"] == code)


def test_the_api_gives_fields_decision_and_change(client, rt, campaign) -> None:  # type: ignore[no-untyped-def]
    publish(rt, campaign)
    body = _json(client, campaign)
    assert body["decision"] == {
        "number": "903/QĐ-UBND",
        "date": None,
        "signer": "Nguyễn Văn Tùng",
        "text": None,
    }
    assert body["authority"]["department"]["vi"] == "Sở Nội vụ"
    assert body["previous"] == {
        "index_year": 2020,
        "campaign": None,
        "source": "import",
        "note": "số liệu minh hoạ",
    }
    departments = next(g for g in body["groups"] if g["key"] == "department")
    for row in departments["rows"]:
        before = _previous_row(row["agency"]["code"])
        change = row["change"]
        # the 2020 rank was among all 20 departments, 2021's among the two ranked here
        assert change["rank"] == int(before["rank"]) - row["rank"]
        assert Decimal(change["total"]) == Decimal(row["total"]) - Decimal(before["total"])
        assert set(change["fields"]) == set(row["fields"]) == {str(i) for i in range(1, 9)}
        assert Decimal(change["fields"]["3"]) == Decimal(row["fields"]["3"]) - Decimal(before["3"])


def test_csv_has_each_field_with_its_maximum_the_change_and_the_decision(client, rt, campaign) -> None:  # type: ignore[no-untyped-def]
    publish(rt, campaign)
    body = _json(client, campaign)
    text = client.get(f"/api/v1/campaigns/{campaign}/results.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    head = rows[0]
    for code in map(str, range(1, 9)):
        assert f"Lĩnh vực {code}" in head and f"Lĩnh vực {code} - điểm tối đa" in head
        assert f"Lĩnh vực {code} - thay đổi (điểm)" in head
    assert "Thay đổi xếp hạng so với năm trước (bậc, dương là tăng)" in head
    assert head[-1] == "Quyết định công bố"
    by_code = {r[2]: dict(zip(head, r, strict=True)) for r in rows[1:]}
    sgtvt = by_code["sgtvt"]
    row = next(r for g in body["groups"] for r in g["rows"] if r["agency"]["code"] == "sgtvt")
    assert sgtvt["Lĩnh vực 5"] == row["fields"]["5"]
    assert sgtvt["Lĩnh vực 5 - điểm tối đa"] == "16.00"  # the departments' criteria set
    assert by_code["q-duong-kinh"]["Lĩnh vực 5 - điểm tối đa"] == "15.00"  # the districts' set
    assert sgtvt["Thay đổi Chỉ số CCHC so với năm trước (điểm)"] == row["change"]["total"]
    assert sgtvt["Thay đổi xếp hạng so với năm trước (bậc, dương là tăng)"] == str(row["change"]["rank"])
    assert sgtvt["Quyết định công bố"] == "Quyết định số 903/QĐ-UBND (người ký: Nguyễn Văn Tùng)"
    # an agency left out is listed, with its reason, and the same decision
    assert by_code["stp"]["Xếp loại"] == "Không xếp hạng trong phép thử"


def test_xlsx_info_sheet_names_the_decision_and_group_sheets_the_change(client, rt, campaign) -> None:  # type: ignore[no-untyped-def]
    publish(rt, campaign)
    data = client.get(f"/api/v1/campaigns/{campaign}/results.xlsx").content
    wb = load_workbook(io.BytesIO(data))
    info = {r[0]: r[1] for r in wb["Thông tin"].iter_rows(values_only=True)}
    assert info["Số quyết định"] == "903/QĐ-UBND" and info["Người ký"] == "Nguyễn Văn Tùng"
    assert info["So sánh với năm"] == 2020
    ws = wb["Sở, ban, ngành"]
    head = [c.value for c in ws[2]]
    assert head[3] == "1. Công tác chỉ đạo, điều hành CCHC (tối đa 10,00)" or head[3].startswith("1. ")
    assert "(tối đa 16,00)" in head[7]
    assert "Thay đổi Chỉ số CCHC so với năm trước (điểm)" in head
    sgtvt = next(r for r in ws.iter_rows(min_row=3, values_only=True) if r[1] == "sgtvt")
    change = dict(zip(head, sgtvt, strict=True))
    assert isinstance(change["Thay đổi Chỉ số CCHC so với năm trước (điểm)"], (int, float))


def test_word_report_has_the_tables_and_the_decision(client, rt, campaign) -> None:  # type: ignore[no-untyped-def]
    publish(rt, campaign)
    body = _json(client, campaign)
    r = client.get(f"/api/v1/campaigns/{campaign}/results.docx")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    document = Document(io.BytesIO(r.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Kết quả được phê duyệt theo quyết định số 903/QĐ-UBND (người ký: Nguyễn Văn Tùng)." in text
    assert "So sánh với năm 2020: số liệu nhập từ tệp (số liệu minh hoạ)." in text
    assert "Lĩnh vực yếu nhất:" in text and "Lĩnh vực mạnh nhất:" in text
    tables = document.tables
    # per group (departments, urban districts), then the field analysis per group
    assert len(tables) == 4
    ranking = [[c.text for c in row.cells] for row in tables[0].rows]
    assert ranking[0][:3] == ["Hạng", "Cơ quan", "LV1 (/10,00)"]
    assert ranking[0][-2:] == ["Thay đổi hạng", "Thay đổi điểm"]
    departments = next(g for g in body["groups"] if g["key"] == "department")
    for line, row in zip(ranking[1:], departments["rows"], strict=True):
        assert line[0] == str(row["rank"]) and line[1] == row["agency"]["name"]
        assert line[2] == row["fields"]["1"].replace(".", ",")
        assert line[-1].replace("+", "").replace(",", ".") == row["change"]["total"]
        places = row["change"]["rank"]
        assert line[-2] == (
            f"↑ {places} bậc" if places > 0 else f"↓ {-places} bậc" if places < 0 else "giữ nguyên"
        )
    analysis = [[c.text for c in row.cells] for row in tables[2].rows]
    assert analysis[0][:3] == ["Lĩnh vực", "Điểm tối đa", "Trung bình"]
    assert len(analysis) == 1 + 8
    first = departments["rows"]
    mean = sum(Decimal(r["fields"]["1"]) for r in first) / len(first)
    assert analysis[1][2] == f"{mean:.2f}".replace(".", ",")


def test_cli_writes_the_report_and_refuses_docx_without_a_file(rt, campaign, tmp_path) -> None:  # type: ignore[no-untyped-def]
    publish(rt, campaign)
    out = tmp_path / "bao-cao.docx"
    result = parflow(rt, "results", campaign, "--format", "docx", "--output", str(out))
    assert result.exit_code == 0, result.output
    document = Document(str(out))
    assert document.tables[0].rows[0].cells[0].text == "Hạng" and len(document.tables) == 4
    refused = parflow(rt, "results", campaign, "--format", "docx")
    assert refused.exit_code != 0 and "docx needs --output FILE" in refused.output


def test_a_publication_typed_as_one_comment_still_shows_its_decision(client, rt, campaign) -> None:  # type: ignore[no-untyped-def]
    publish(rt, campaign, with_previous=False, decision=None, comment="Quyết định 903/QĐ-UBND ngày 28/3/2022")
    body = _json(client, campaign)
    assert body["decision"] == {
        "number": None,
        "date": None,
        "signer": None,
        "text": "Quyết định 903/QĐ-UBND ngày 28/3/2022",
    }
    assert body["previous"] is None
    assert all(r["change"] is None for g in body["groups"] for r in g["rows"])
    text = client.get(f"/api/v1/campaigns/{campaign}/results.csv").content.decode("utf-8-sig")
    assert "Thay đổi" not in text.splitlines()[0]


def test_a_decision_needs_its_number(client, login, rt, campaign) -> None:  # type: ignore[no-untyped-def]
    from tests.support.people import HOME_AFFAIRS

    r = client.post(
        f"/api/v1/campaigns/{campaign}/publish",
        json={"decision": {"number": "", "date": "2022-03-28"}},
        headers=login(HOME_AFFAIRS),
    )
    assert r.status_code == 422
