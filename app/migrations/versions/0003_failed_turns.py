"""turn status: a learner turn whose peer reply failed is marked, not scored

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 10:00:00.000000

A learner turn is saved before the peer engine is asked; when the engine gives up, the turn
stays as "failed": it is left out of the scorecard and of the history sent to the model, and
the learner's next message takes its place. Existing rows are all answered turns: "ok".
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("turns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="ok")
        )


def downgrade() -> None:
    with op.batch_alter_table("turns", schema=None) as batch_op:
        batch_op.drop_column("status")
