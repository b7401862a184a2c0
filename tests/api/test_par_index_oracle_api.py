"""Role × trigger through the HTTP API on the example campaign, judged by the hand-written table.

`tests/api/test_role_matrix.py` derives what it expects from the workflow file; this test expects
what `tests/domain/par_index_expected.py` says the process is. For every trigger it signs in as
every role: roles the table refuses must get 403 (404 for a council member before the appraisal,
who does not see the submission at all) and change nothing; each role the table allows fires once,
on its own submission brought to the trigger's source state with the guards met, and must land in
the table's target state. One allowed role per trigger also fires from a state where the table has
no such event and must get 409.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlmodel import col, select

from parflow.services.common.runtime import Runtime
from parflow.store.models import Agency, Dispute, Submission
from tests.domain.par_index_expected import MAY_FIRE, ROLES, TARGET, TRIGGERS, source_of
from tests.support.lifecycle import audit_count, force_state, state_and_version
from tests.support.people import CITY_LEADER, HOME_AFFAIRS
from tests.support.season import (
    approve,
    complete_self_assessment,
    drive_to,
    import_survey,
    pass_dispute_window,
)

COUNCIL = "thamdinh.thanh@haiphong.example"
VIEWER = "giam-sat.ngan@haiphong.example"
# a council member appraises after the self-assessment: before that the submission is not theirs to see
COUNCIL_SEES = {"under_appraisal", "disputed", "approved", "published"}


def email_of(role: str, agency: str) -> str:
    return {
        "agency_editor": f"dau-moi.{agency}@haiphong.example",
        "agency_head": f"lanh-dao.{agency}@haiphong.example",
        "home_affairs": HOME_AFFAIRS,
        "council": COUNCIL,
        "city_leader": CITY_LEADER,
        "viewer": VIEWER,
    }[role]


def agency_ids(rt: Runtime) -> dict[str, int]:
    """Agency code → its submission id (one submission per agency in the example campaign)."""
    with rt.db.read() as session:
        rows = session.exec(
            select(Agency.code, Submission.id)
            .join(Submission, col(Submission.agency_id) == col(Agency.id))
            .order_by(col(Agency.code))
        ).all()
    return {code: sid or 0 for code, sid in rows}


def prepare(rt: Runtime, campaign: str, sid: int, trigger: str, surveyed: list[str]) -> None:
    """Bring a draft submission to the trigger's source state with the trigger's guards met, through
    the services where the season can be played for real."""
    if trigger == "submit":
        complete_self_assessment(rt, sid)
    elif trigger in ("reopen", "start_appraisal"):
        drive_to(rt, sid, "self_scored")
    elif trigger == "send_results":
        drive_to(rt, sid, "appraised")
    elif trigger == "dispute":
        drive_to(rt, sid, "results_sent")

        # a dispute filed through the API fires `dispute` itself; the bare event needs one open
        def file_one(session) -> None:  # type: ignore[no-untyped-def]
            session.add(
                Dispute(submission_id=sid, criterion_code="1.1.1", argument="x", filed_at=rt.clock.now())
            )

        rt.db.run(file_one)
    elif trigger == "resolve":
        # disputed with every dispute settled: the state a last resolution leaves behind
        force_state(rt, sid, "disputed")
    elif trigger in ("approve", "publish"):
        drive_to(rt, sid, "results_sent")
        if not surveyed:
            import_survey(rt, campaign)  # the whole campaign's survey, once
            surveyed.append(campaign)
        pass_dispute_window(rt, sid)
        if trigger == "publish":
            approve(rt, sid)


def test_roles_and_triggers_follow_the_hand_table(
    rt: Runtime, campaign: str, client: TestClient, login: Callable[[str], dict[str, str]]
) -> None:
    pool = iter(agency_ids(rt).items())
    problems: list[str] = []

    def fire(sid: int, agency: str, role: str, trigger: str) -> tuple[int, str]:
        response = client.post(
            f"/api/v1/submissions/{sid}/events/{trigger}",
            json={"comment": "kiểm thử"},
            headers=login(email_of(role, agency)),
        )
        return response.status_code, response.json().get("code", "")

    prepared: dict[str, list[tuple[str, int]]] = {}
    surveyed: list[str] = []
    # approval needs the dispute window passed, which moves the clock on: prepare those first, so
    # the window of the submissions prepared for `dispute` is still open when they fire
    for trigger in sorted(TRIGGERS, key=lambda t: t not in ("approve", "publish")):
        prepared[trigger] = []
        for _ in sorted(MAY_FIRE[trigger]):
            agency, sid = next(pool)
            prepare(rt, campaign, sid, trigger, surveyed)
            prepared[trigger].append((agency, sid))
    untouched_agency, untouched = next(pool)  # still in draft

    for trigger in TRIGGERS:
        source = source_of(trigger)
        agency, sid = prepared[trigger][0]
        assert state_and_version(rt, sid)[0] == source, f"{trigger}: set-up did not reach {source}"
        for role in sorted(set(ROLES) - MAY_FIRE[trigger]):
            before = state_and_version(rt, sid), audit_count(rt, sid)
            want = 404 if role == "council" and source not in COUNCIL_SEES else 403
            got = fire(sid, agency, role, trigger)
            if got[0] != want:
                problems.append(f"{role} {trigger} from {source}: want {want}, got {got}")
            if (state_and_version(rt, sid), audit_count(rt, sid)) != before:
                problems.append(f"{role} {trigger} from {source}: refused, yet the submission changed")

        # an allowed role, from a state where the process has no such event: 409
        prober = min(MAY_FIRE[trigger] - {"council"})
        wrong_agency, wrong_sid = (
            (untouched_agency, untouched) if source != "draft" else prepared["reopen"][0]
        )
        wrong_state = state_and_version(rt, wrong_sid)[0]
        assert TARGET[(wrong_state, trigger)] is None
        before = state_and_version(rt, wrong_sid)
        got = fire(wrong_sid, wrong_agency, prober, trigger)
        if got[0] != 409 or state_and_version(rt, wrong_sid) != before:
            problems.append(f"{prober} {trigger} from {wrong_state}: want 409 and no change, got {got}")

    for trigger in TRIGGERS:
        for role, (agency, sid) in zip(sorted(MAY_FIRE[trigger]), prepared[trigger], strict=True):
            source, version = state_and_version(rt, sid)
            got = fire(sid, agency, role, trigger)
            if trigger == "publish":
                # allowed, but publication is a campaign-wide act: the guard, not the role, refuses
                if got != (422, "guard_failed"):
                    problems.append(f"{role} publish: want 422 guard_failed (role accepted), got {got}")
                continue
            want = TARGET[(source, trigger)]
            if got[0] != 200 or state_and_version(rt, sid) != (want, version + 1):
                problems.append(
                    f"{role} {trigger} from {source}: want 200 and {want}, "
                    f"got {got} and {state_and_version(rt, sid)}"
                )

    assert not problems, "\n".join(problems)
