"""indexes for national scale: paged lists, history, message logs, digest counts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 00:10:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

INDEXES = (
    ("agency", "ix_agency_campaign_group_code", ["campaign_id", "group", "code"]),
    ("audit_entry", "ix_audit_submission_seq", ["submission_id", "seq"]),
    ("audit_entry", "ix_audit_campaign_action_at", ["campaign_id", "action", "at"]),
    ("notification", "ix_notification_submission_created", ["submission_id", "created_at", "id"]),
    ("notification", "ix_notification_campaign_created", ["campaign_id", "created_at", "id"]),
    ("notification", "ix_notification_campaign_kind_status", ["campaign_id", "kind", "status"]),
)


def upgrade() -> None:
    for table, name, columns in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    for table, name, _columns in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
