"""campaign.authority, campaign.previous_campaign, campaign.previous_results: who publishes (for page
headers and the report), and what the results are compared with (last year's campaign, or last
year's published figures imported from a file)

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-03 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # existing campaigns name no authority ({}), no previous campaign and no imported figures:
    # their pages and exports look as before until the campaign YAML says more
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(sa.Column("authority", sa.JSON(), server_default="{}", nullable=False))
        batch_op.add_column(sa.Column("previous_campaign", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("previous_results", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("previous_results")
        batch_op.drop_column("previous_campaign")
        batch_op.drop_column("authority")
