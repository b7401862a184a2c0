"""Moving submissions through the workflow in tests, through the real services (not HTTP).

Other areas' tests can use these to reach any state quickly:

    from tests.support.season import complete_self_assessment, drive_to
    from tests.support.lifecycle import submission_id
    sid = submission_id(rt, "sgtvt")
    drive_to(rt, sid, "approved")          # scored, submitted, appraised, sent, survey, approved

Each step runs as the person who would do it (focal point, Home Affairs, council members) and in
its own transaction, so audit entries, versions and notifications are the real ones.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from parflow import demo_season
from parflow.services.common.runtime import Runtime
from parflow.services.lifecycle.guard_facts import SubmissionFacts
from parflow.services.results.survey import ImportReport
from parflow.services.results.survey import import_survey as import_survey_file
from parflow.settings import PROJECT_ROOT
from parflow.store.models import Campaign, Submission
from tests.support.people import HOME_AFFAIRS

SURVEY_FILE = PROJECT_ROOT / "examples" / "haiphong-2021" / "survey-2021.csv"


def complete_self_assessment(rt: Runtime, submission_id: int, *, files: int = 0) -> None:
    """Every agency-scored leaf self-scored with an explanation (and `files` PDFs + as many links)."""
    demo_season.fill_self_assessment(rt, submission_id, files=files)


def submit(rt: Runtime, submission_id: int) -> None:
    demo_season.fire(rt, submission_id, "submit")


def start_appraisal(rt: Runtime, submission_id: int) -> None:
    demo_season.fire(rt, submission_id, "start_appraisal", HOME_AFFAIRS)


def appraise_all(
    rt: Runtime, submission_id: int, overrides: dict[str, tuple[Decimal, str]] | None = None
) -> None:
    """Every council member appraises their fields; `overrides` sets (score, comment) per leaf."""
    demo_season.appraise(rt, submission_id, overrides)


def send_results(rt: Runtime, submission_id: int) -> None:
    demo_season.fire(rt, submission_id, "send_results", HOME_AFFAIRS)


def import_survey(rt: Runtime, campaign: str, data: bytes | None = None) -> ImportReport:
    """Import the example survey file (every agency of the example campaign), or `data`."""
    content = data if data is not None else SURVEY_FILE.read_bytes()
    return rt.db.run(lambda s: import_survey_file(s, rt, None, campaign, content, "survey.csv"))


def dispute_window_closes(rt: Runtime, submission_id: int):  # type: ignore[no-untyped-def]
    with rt.db.read() as session:
        submission = session.get(Submission, submission_id)
        campaign = session.get(Campaign, submission.campaign_id)  # type: ignore[union-attr]
        return SubmissionFacts(session, submission, campaign, rt.clock.now()).dispute_window_closes_at()  # type: ignore[arg-type]


def pass_dispute_window(rt: Runtime, submission_id: int) -> None:
    """Move the (fixed) test clock just past the submission's dispute window."""
    closes = dispute_window_closes(rt, submission_id)
    assert closes is not None, "results not sent yet"
    if rt.clock.now() <= closes:
        rt.clock.set(closes + timedelta(minutes=1))  # type: ignore[attr-defined]


def approve(rt: Runtime, submission_id: int) -> None:
    demo_season.fire(rt, submission_id, "approve", HOME_AFFAIRS)


STEPS = ("self_scored", "under_appraisal", "appraised", "results_sent", "approved")


def drive_to(rt: Runtime, submission_id: int, target: str, *, campaign: str = "haiphong-2021") -> None:
    """From draft to `target`: self_scored, under_appraisal, appraised (all leaves appraised),
    results_sent, or approved (survey imported for the whole campaign, window passed)."""
    assert target in STEPS, f"unknown target {target}; use one of {STEPS}"
    complete_self_assessment(rt, submission_id)
    submit(rt, submission_id)
    if target == "self_scored":
        return
    start_appraisal(rt, submission_id)
    if target == "under_appraisal":
        return
    appraise_all(rt, submission_id)
    if target == "appraised":
        return
    send_results(rt, submission_id)
    if target == "results_sent":
        return
    import_survey(rt, campaign)
    pass_dispute_window(rt, submission_id)
    approve(rt, submission_id)
