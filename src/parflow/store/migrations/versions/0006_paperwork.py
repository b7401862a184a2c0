"""Paperwork (issue 15): the campaign's place and head-confirmation setting; on a submission the
head's pending confirmation request and the signed report scan

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-03 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import parflow.store.types

revision = "0006"
down_revision = "0005b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(sa.Column("place", sa.String(length=120), nullable=True))
        # existing campaigns keep sending as before: the setting is off unless a campaign says so
        batch_op.add_column(
            sa.Column("require_head_confirmation", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("head_confirmation_requested_at", parflow.store.types.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("head_confirmation_requested_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("signed_report_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("signed_report_filename", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("signed_report_media_type", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("signed_report_at", parflow.store.types.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_submission_head_confirmation_requested_by_person"),
            "person",
            ["head_confirmation_requested_by"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("fk_submission_head_confirmation_requested_by_person"), type_="foreignkey"
        )
        for name in (
            "signed_report_at",
            "signed_report_media_type",
            "signed_report_filename",
            "signed_report_sha256",
            "head_confirmation_requested_by",
            "head_confirmation_requested_at",
        ):
            batch_op.drop_column(name)
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("require_head_confirmation")
        batch_op.drop_column("place")
