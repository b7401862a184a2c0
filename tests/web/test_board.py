"""Home Affairs' board: one row per agency with state, next milestone, working days left, overdue
badge and the last reminder sent; filters by group and state; counts; progress per milestone; and
a fixed number of database queries whatever the number of agencies."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import event

from parflow.services.common.runtime import Runtime
from parflow.services.deadlines.tick import tick
from tests.support.auth import sign_in
from tests.support.databases import EXAMPLE, load_fixture_campaign
from tests.support.lifecycle import force_state, submission_id
from tests.support.people import HOME_AFFAIRS
from tests.support.season import complete_self_assessment, submit


@contextmanager
def counting(rt: Runtime) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if (
            not statement.lstrip()
            .upper()
            .startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT", "RELEASE"))
        ):
            statements.append(statement)

    event.listen(rt.db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(rt.db.engine, "before_cursor_execute", record)


def rows_of(html: str) -> list[str]:
    body = html.split('<table class="board">', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr[^>]*>.*?</tr>", body.split("<tbody>", 1)[1], flags=re.S)


def test_board_shows_every_agency_with_where_it_stands(
    client: TestClient, rt: Runtime, campaign: str
) -> None:
    sgtvt = submission_id(rt, "sgtvt")
    complete_self_assessment(rt, sgtvt)
    submit(rt, sgtvt)
    sign_in(client, HOME_AFFAIRS)
    html = client.get("/campaigns/haiphong-2021/board").text
    rows = rows_of(html)
    assert len(rows) == 35
    # departments first, then urban districts, then rural districts, as results are published
    groups = [re.findall(r"<td>(Sở, ban, ngành|UBND quận|UBND huyện)</td>", r)[0] for r in rows]
    assert groups == sorted(groups, key=["Sở, ban, ngành", "UBND quận", "UBND huyện"].index)
    transport = next(r for r in rows if "Sở Giao thông vận tải" in r)
    assert f'href="/submissions/{sgtvt}"' in transport and "Đã gửi tự đánh giá" in transport
    assert "Hạn hoàn thành thẩm định" in transport and "28/02/2022" in transport
    justice = next(r for r in rows if "Sở Tư pháp" in r)
    # 10/01/2022 (Monday) to 14/01/2022 (Friday): four working days left
    assert (
        "Hạn gửi báo cáo tự đánh giá" in justice
        and "14/01/2022" in justice
        and '<td class="num">4</td>' in justice
    )
    assert "Đang tự đánh giá <b>34</b>" in html and "Đã gửi tự đánh giá <b>1</b>" in html
    assert (
        '<progress max="35" value="1"' in html
    )  # one submission has met the self-assessment milestone (progress bar)


def test_board_filters_and_marks_overdue_with_the_last_reminder(
    client: TestClient, rt: Runtime, campaign: str
) -> None:
    # 19/01/2022: the self-assessment was due on 14/01; reminders and escalations went out
    tick(rt, datetime(2022, 1, 13, 1, 0, tzinfo=UTC))
    rt.clock.set(datetime(2022, 1, 19, 3, 0, tzinfo=UTC))  # type: ignore[attr-defined]

    def mark_sent(session) -> None:  # type: ignore[no-untyped-def]
        from sqlmodel import select

        from parflow.store.models import Notification

        for row in session.exec(select(Notification).where(Notification.kind == "reminder")):
            row.status, row.sent_at = "sent", row.next_attempt_at
            session.add(row)

    rt.db.run(mark_sent)
    sign_in(client, HOME_AFFAIRS)
    html = client.get("/campaigns/haiphong-2021/board?group=urban_district&state=draft").text
    rows = rows_of(html)
    assert len(rows) == 7 and all("UBND quận" in r for r in rows)
    assert all("Quá hạn 3" in r for r in rows), rows[0]  # 17, 18, 19 January: three working days late
    assert all("Nhắc hạn · 08:00 13/01/2022" in r for r in rows), rows[0]
    assert 'class="is-overdue"' in html
    assert "Sở Giao thông vận tải" not in html.split('<table class="board">', 1)[1]
    none = client.get("/campaigns/haiphong-2021/board?state=published").text
    assert "Không có hồ sơ nào khớp bộ lọc." in none
    # an unknown filter value is ignored rather than an error
    assert len(rows_of(client.get("/campaigns/haiphong-2021/board?group=galaxy&state=lost").text)) == 35


def test_board_reads_a_fixed_number_of_queries(
    client: TestClient, rt: Runtime, mini: str, password_hash: str
) -> None:
    """Three agencies or thirty-five: the same number of queries (no query per row)."""
    load_fixture_campaign(rt, EXAMPLE, password_hash)
    for code in ("dept-a", "dept-b"):
        force_state(rt, submission_id(rt, code), "under_appraisal")
    sign_in(client, "ha@mini.example")
    with counting(rt) as small:
        assert client.get("/campaigns/mini-2021/board").status_code == 200
    sign_in(client, HOME_AFFAIRS)
    complete_self_assessment(rt, submission_id(rt, "sgtvt"))
    with counting(rt) as large:
        response = client.get("/campaigns/haiphong-2021/board")
    assert response.status_code == 200 and len(rows_of(response.text)) == 35
    assert len(large) == len(small), (small, large)
    # session and person, campaign, submissions, calendar (2), milestones, extensions, reminders,
    # leaves per criteria set, last activity
    assert len(large) <= 12, large
