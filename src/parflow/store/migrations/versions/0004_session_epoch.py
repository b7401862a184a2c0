"""person.session_epoch: sign-out and password changes end earlier sessions and tokens

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # existing people start at 0; tokens and cookies issued before this release carry no epoch
    # and are refused, so everyone signs in once more after the upgrade
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("session_epoch")
