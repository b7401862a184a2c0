"""The board answers "who is nearly done": progress per agency (criteria scored, evidence
missing, blockers before sending), search without accents, filters (group, state, overdue,
at risk), Vietnamese alphabetical order, and CSV/XLSX exports that hold exactly the rows shown."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import select

from parflow import demo_season
from parflow.services.common.runtime import Runtime
from parflow.services.evidence.service import add_evidence
from parflow.services.lifecycle.guard_facts import SubmissionFacts
from parflow.services.monitoring.board import BoardFilters, campaign_board
from parflow.services.scoring.self_assessment import SelfScoreIn, save_self_scores
from parflow.store.models import Campaign, Submission
from tests.support.auth import sign_in
from tests.support.lifecycle import principal, submission_id
from tests.support.people import HOME_AFFAIRS, SGTVT_FOCAL
from tests.support.season import complete_self_assessment, submit

VN = ZoneInfo("Asia/Ho_Chi_Minh")
BOARD = "/campaigns/haiphong-2021/board"


def names_on(page: str) -> list[str]:
    body = page.split('<table class="board">', 1)[1].split("</table>", 1)[0]
    return [html_lib.unescape(n) for n in re.findall(r'<a href="/submissions/\d+">([^<]+)</a>', body)]


def names_in_csv(data: bytes) -> list[str]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Mã cơ quan", "Tên cơ quan"]
    return [r[1] for r in rows[1:]]


def names_in_xlsx(data: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "Tên cơ quan"
    return [r[1] for r in rows[1:]]


def half_done(rt: Runtime) -> tuple[int, int]:
    """Sở Giao thông vận tải: every leaf scored, two of them with neither explanation nor
    evidence, then evidence for one of those two. Returns (submission id, leaves to score)."""
    sid = submission_id(rt, "sgtvt")
    leaves = demo_season.fill_self_assessment(rt, sid)
    focal = principal(rt, SGTVT_FOCAL)
    with rt.db.read() as session:
        gaps_before = SubmissionFacts(
            session, session.get(Submission, sid), session.exec(select(Campaign)).one(), rt.clock.now()
        )
        codes = [leaf.code for leaf in gaps_before._agency_leaves()][:2]
    rt.db.run(lambda s: save_self_scores(s, rt, focal, sid, [SelfScoreIn(c, "0", "") for c in codes]))
    rt.db.run(lambda s: add_evidence(s, rt, focal, sid, codes[0], url="https://example.org/qd-1", title="QĐ"))
    return sid, leaves


def test_progress_per_agency_matches_what_the_submit_guard_would_list(rt: Runtime, campaign: str) -> None:
    _sid, leaves = half_done(rt)
    partial = submission_id(rt, "stp")
    demo_season.fill_self_assessment(rt, partial, share=0.5)
    with rt.db.read() as session:
        board = campaign_board(session, rt, principal(rt, HOME_AFFAIRS), campaign)
        rows = {r.agency_code: r for r in board.rows}
        camp = session.exec(select(Campaign)).one()
        for code in ("sgtvt", "stp", "sgddt"):
            s = session.get(Submission, rows[code].submission_id)
            gaps = SubmissionFacts(session, s, camp, rt.clock.now()).self_assessment_gaps()  # type: ignore[arg-type]
            assert rows[code].progress.blockers == len(gaps), code  # type: ignore[union-attr]
    transport = rows["sgtvt"].progress
    assert transport is not None
    assert (transport.scored, transport.total, transport.evidence_missing, transport.blockers) == (
        leaves,
        leaves,
        1,
        1,
    )
    assert rows["stp"].progress.scored == leaves // 2  # type: ignore[union-attr]
    assert rows["sgddt"].progress.scored == 0 and rows["sgddt"].progress.blockers == leaves  # type: ignore[union-attr]
    assert rows["sgtvt"].last_activity == rt.clock.now()  # scores and evidence are audited
    assert rows["sgddt"].last_activity is None


def test_search_without_accents_filters_and_vietnamese_order(
    client: TestClient, rt: Runtime, campaign: str
) -> None:
    sign_in(client, HOME_AFFAIRS)
    assert names_on(client.get(BOARD, params={"q": "giao thong"}).text) == ["Sở Giao thông vận tải"]
    assert names_on(client.get(BOARD, params={"q": "GIÁO DỤC"}).text) == ["Sở Giáo dục và Đào tạo"]
    assert names_on(client.get(BOARD, params={"q": "do son"}).text) == ["UBND quận Đồ Sơn"]
    assert "Không có hồ sơ nào khớp bộ lọc." in client.get(BOARD, params={"q": "không có"}).text

    names = names_on(client.get(BOARD, params={"sort": "name"}).text)
    assert len(names) == 35
    # tone decides at the first syllable that differs: "Giao" before "Giáo"
    assert names.index("Sở Giao thông vận tải") < names.index("Sở Giáo dục và Đào tạo")
    # Đ comes right after D, long before H (code order would put it after Y)
    assert (
        names.index("UBND quận Dương Kinh")
        < names.index("UBND quận Đồ Sơn")
        < names.index("UBND quận Hải An")
    )
    # the default: departments, then urban, then rural districts, each in Vietnamese order
    urban = names_on(client.get(BOARD, params={"group": "urban_district"}).text)
    assert urban == [
        "UBND quận Dương Kinh",
        "UBND quận Đồ Sơn",
        "UBND quận Hải An",
        "UBND quận Hồng Bàng",
        "UBND quận Kiến An",
        "UBND quận Lê Chân",
        "UBND quận Ngô Quyền",
    ]


def test_overdue_only_days_sort_and_progress_sort(client: TestClient, rt: Runtime, campaign: str) -> None:
    half_done(rt)
    done = submission_id(rt, "stp")
    complete_self_assessment(rt, done)
    submit(rt, done)
    rt.clock.set(datetime(2022, 1, 19, 9, 0, tzinfo=VN))  # type: ignore[attr-defined]
    sign_in(client, HOME_AFFAIRS)
    page = client.get(BOARD, params={"overdue": "1"}).text
    overdue = names_on(page)
    assert len(overdue) == 34 and "Sở Tư pháp" not in overdue
    assert "34 quá hạn" in page
    by_days = client.get(BOARD, params={"sort": "days"}).text
    # overdue rows first (most days late), the one on time last
    assert names_on(by_days)[-1] == "Sở Tư pháp"
    by_progress = names_on(client.get(BOARD, params={"sort": "progress", "state": "draft"}).text)
    assert by_progress[0] == "Sở Giao thông vận tải"  # one blocker left: nearly done
    row = next(r for r in re.findall(r"<tr[^>]*>.*?</tr>", page, flags=re.S) if "Sở Giao thông vận tải" in r)
    assert "Quá hạn 3" in row and "<b>1</b>" in row  # three working days late, one blocker


def test_at_risk_filter_lists_what_cannot_be_done_before_publication(
    client: TestClient, rt: Runtime, campaign: str
) -> None:
    rt.clock.set(datetime(2022, 3, 14, 9, 0, tzinfo=VN))  # type: ignore[attr-defined]
    with rt.db.read() as session:
        board = campaign_board(session, rt, principal(rt, HOME_AFFAIRS), campaign)
        risky = campaign_board(
            session, rt, principal(rt, HOME_AFFAIRS), campaign, filters=BoardFilters(at_risk=True)
        )
    assert board.at_risk == len(risky.rows) > 0
    assert all(r.at_risk for r in risky.rows)
    sign_in(client, HOME_AFFAIRS)
    page = client.get(BOARD, params={"at_risk": "1"}).text
    assert len(names_on(page)) == board.at_risk and "Nguy cơ chậm công bố" in page


def test_exports_hold_exactly_the_rows_shown_in_the_same_order(
    client: TestClient, rt: Runtime, campaign: str
) -> None:
    half_done(rt)
    rt.clock.set(datetime(2022, 1, 19, 9, 0, tzinfo=VN))  # type: ignore[attr-defined]
    sign_in(client, HOME_AFFAIRS)
    for params in (
        {},
        {"q": "so", "sort": "name"},
        {"group": "urban_district", "sort": "days"},
        {"overdue": "1", "sort": "progress"},
        {"q": "giao"},
    ):
        shown = names_on(client.get(BOARD, params=params).text)
        as_csv = client.get(BOARD + ".csv", params=params)
        as_xlsx = client.get(BOARD + ".xlsx", params=params)
        assert as_csv.status_code == as_xlsx.status_code == 200
        assert "attachment" in as_csv.headers["content-disposition"]
        assert names_in_csv(as_csv.content) == shown, params
        assert names_in_xlsx(as_xlsx.content) == shown, params
    lines = list(
        csv.reader(
            io.StringIO(client.get(BOARD + ".csv", params={"q": "giao thong"}).content.decode("utf-8-sig"))
        )
    )
    heading, transport = lines
    row = dict(zip(heading, transport, strict=True))
    assert row["Tiêu chí thiếu tài liệu kiểm chứng"] == "1" and row["Việc còn phải làm trước khi gửi"] == "1"
    assert row["Quá hạn (ngày làm việc)"] == "3" and row["Hạn"] == "14/01/2022"
    # the link on the page carries the filters to the download
    page = client.get(BOARD, params={"q": "giao thong", "overdue": "1"}).text
    assert 'href="/campaigns/haiphong-2021/board.xlsx?q=giao+thong&amp;overdue=1"' in page


def test_late_sending_is_kept_on_the_board_and_the_submission_page(
    client: TestClient, rt: Runtime, campaign: str
) -> None:
    sid = submission_id(rt, "sgtvt")
    complete_self_assessment(rt, sid)
    rt.clock.set(datetime(2022, 1, 18, 9, 0, tzinfo=VN))  # type: ignore[attr-defined]
    submit(rt, sid)
    sign_in(client, HOME_AFFAIRS)
    board = client.get(BOARD, params={"q": "giao thong"}).text
    assert "Tự đánh giá: gửi quá hạn 2 ngày làm việc" in board
    page = client.get(f"/submissions/{sid}").text
    assert "Gửi quá hạn 2 ngày làm việc" in page and "(hạn 14/01/2022)" in page
    on_time = submission_id(rt, "stp")
    complete_self_assessment(rt, on_time)
    rt.clock.set(datetime(2022, 1, 13, 9, 0, tzinfo=VN))  # type: ignore[attr-defined]
    submit(rt, on_time)
    assert "Đúng hạn" in client.get(f"/submissions/{on_time}").text
