"""How far an agency's self-assessment has got, kept on the submission itself.

`Submission.self_scored` (leaves with a self-score) and `self_unsupported` (of those, leaves with
neither evidence nor a written explanation) are refreshed by every use case that changes them
(saving self-scores, adding or removing evidence), in its own transaction. The board then reads
two columns per agency instead of aggregating tens of thousands of score and evidence rows on
every request. Only agency leaves take a self-score (`save_self_scores` refuses the rest).
"""

from __future__ import annotations

from sqlalchemy import and_, case, exists, func
from sqlmodel import Session, col, select

from parflow.store.models import Evidence, Score, Submission


def refresh_progress(session: Session, submission: Submission) -> None:
    """Recount the submission's self-scored and unsupported leaves (one query over its own rows)."""
    session.flush()  # the scores and evidence just added or removed must be counted
    has_evidence = exists().where(
        and_(Evidence.submission_id == Score.submission_id, Evidence.criterion_code == Score.criterion_code)
    )
    unsupported = case(
        (and_(func.coalesce(func.trim(Score.explanation), "") == "", ~has_evidence), 1), else_=0
    )
    scored, missing = session.exec(
        select(func.count(), func.coalesce(func.sum(unsupported), 0)).where(  # type: ignore[call-overload]
            Score.submission_id == submission.id, col(Score.self_score).is_not(None)
        )
    ).one()
    submission.self_scored = int(scored)
    submission.self_unsupported = int(missing)
    session.add(submission)
