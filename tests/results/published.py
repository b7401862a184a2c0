"""A published Hải Phòng 2021 with three ranked agencies, last year's figures imported from the
example's (illustrative) file, and the decision recorded at publication; shared by the results tests."""

from __future__ import annotations

from sqlmodel import select

from parflow.services.common.runtime import Runtime
from parflow.services.results import previous
from parflow.services.results import service as results
from parflow.store.models import Agency, Submission
from tests.support.databases import EXAMPLE
from tests.support.lifecycle import principal, submission_id
from tests.support.people import HOME_AFFAIRS
from tests.support.season import drive_to

KEEP = ("sgtvt", "ttr", "q-duong-kinh")
PREVIOUS_FILE = EXAMPLE / "results-2020-illustrative.csv"
DECISION = results.Decision("903/QĐ-UBND", None, "Nguyễn Văn Tùng")


def publish(
    rt: Runtime,
    code: str,
    *,
    with_previous: bool = True,
    decision: results.Decision | None = DECISION,
    comment: str | None = None,
) -> None:
    for agency in KEEP:
        drive_to(rt, submission_id(rt, agency), "approved")
    with rt.db.read() as session:
        others = session.exec(
            select(Submission.id, Agency.code).join(Agency, Agency.id == Submission.agency_id)
        ).all()
    ha = principal(rt, HOME_AFFAIRS)
    for sid, agency in others:
        if agency not in KEEP:
            rt.db.run(
                lambda s, sid=sid: results.set_exclusion(s, rt, ha, sid, "Không xếp hạng trong phép thử")
            )
    if with_previous:
        data = PREVIOUS_FILE.read_bytes()
        rt.db.run(
            lambda s: previous.import_previous(
                s, rt, ha, code, data, PREVIOUS_FILE.name, note="số liệu minh hoạ"
            )
        )
    rt.db.run(lambda s: results.publish(s, rt, ha, code, comment, decision))
