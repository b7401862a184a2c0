"""submission: when the self-assessment and the appraisal were sent, against which due date, and
how many working days late (a record that later transitions keep); the self-assessment's progress
(leaves self-scored, and of those the ones with neither evidence nor explanation) for the board

Revision ID: 0005b
Revises: 0004
Create Date: 2026-12-03 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from parflow.store.types import UTCDateTime

revision = "0005b"
down_revision = "0005"
branch_labels = None
depends_on = None

PARTS = ("self_assessment", "appraisal")
# a released migration must not change with the code: the condition is written out here
UNSUPPORTED_SQL = (
    "coalesce(trim(score.explanation), '') = '' AND NOT EXISTS (SELECT 1 FROM evidence "
    "WHERE evidence.submission_id = score.submission_id AND evidence.criterion_code = score.criterion_code)"
)


def upgrade() -> None:
    # submissions sent before this release have no record: they show no lateness rather than a
    # figure computed today against deadlines that may since have moved
    with op.batch_alter_table("submission", schema=None) as batch_op:
        for part in PARTS:
            batch_op.add_column(sa.Column(f"{part}_sent_at", UTCDateTime(), nullable=True))
            batch_op.add_column(sa.Column(f"{part}_due_date", sa.Date(), nullable=True))
            batch_op.add_column(sa.Column(f"{part}_late_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("self_scored", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("self_unsupported", sa.Integer(), server_default="0", nullable=False))
    # counted once from the rows already there; from now on each use case keeps them up to date
    op.execute(
        "UPDATE submission SET self_scored = (SELECT count(*) FROM score WHERE score.submission_id = "
        "submission.id AND score.self_score IS NOT NULL)"
    )
    op.execute(
        "UPDATE submission SET self_unsupported = (SELECT count(*) FROM score WHERE score.submission_id = "
        f"submission.id AND score.self_score IS NOT NULL AND {UNSUPPORTED_SQL})"
    )


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_column("self_unsupported")
        batch_op.drop_column("self_scored")
        for part in PARTS:
            for column in ("late_days", "due_date", "sent_at"):
                batch_op.drop_column(f"{part}_{column}")
