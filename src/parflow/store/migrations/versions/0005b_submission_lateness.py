"""submission: when the self-assessment and the appraisal were sent, against which due date, and
how many working days late (a record that later transitions keep)

Revision ID: 0005b
Revises: 0004
Create Date: 2026-12-03 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from parflow.store.types import UTCDateTime

revision = "0005b"
down_revision = "0004"
branch_labels = None
depends_on = None

PARTS = ("self_assessment", "appraisal")


def upgrade() -> None:
    # submissions sent before this release have no record: they show no lateness rather than a
    # figure computed today against deadlines that may since have moved
    with op.batch_alter_table("submission", schema=None) as batch_op:
        for part in PARTS:
            batch_op.add_column(sa.Column(f"{part}_sent_at", UTCDateTime(), nullable=True))
            batch_op.add_column(sa.Column(f"{part}_due_date", sa.Date(), nullable=True))
            batch_op.add_column(sa.Column(f"{part}_late_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        for part in PARTS:
            for column in ("late_days", "due_date", "sent_at"):
                batch_op.drop_column(f"{part}_{column}")
