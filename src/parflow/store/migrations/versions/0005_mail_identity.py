"""campaign.mail_identity and agency.head_title: e-mail that reads like it came from Home Affairs

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 14:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # both nullable: campaigns loaded before this release keep the settings' sender and the
    # greeting by name until their YAML names a sender, a contact and the heads' titles
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mail_identity", sa.JSON(), nullable=True))
    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.add_column(sa.Column("head_title", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.drop_column("head_title")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("mail_identity")
