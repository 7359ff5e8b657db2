"""custom rubric names per owner; scorecard rubric set as text

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 02:00:00.000000

Two trainers may each have a rubric with the same name (a global unique name would tell one
trainer what another has named theirs). A scorecard's rubric set names every rubric's
id@version, which a custom rubric makes longer than 80 characters: SQLite ignored the length,
PostgreSQL refuses the row, so the column becomes text.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with (
        _keeping_assignment_rubrics(),
        op.batch_alter_table("custom_rubrics", schema=None) as batch_op,
    ):
        batch_op.drop_constraint("uq_custom_rubrics_name_version", type_="unique")
        batch_op.create_unique_constraint(
            "uq_custom_rubrics_owner_id_name_version", ["owner_id", "name", "version"]
        )
    with op.batch_alter_table("scorecards", schema=None) as batch_op:
        batch_op.alter_column(
            "rubric_set",
            existing_type=sa.String(length=80),
            type_=sa.Text(),
            existing_nullable=False,
        )


def downgrade() -> None:
    # Going back fails if two owners now share a rubric name, or a rubric set is longer than
    # 80 characters on PostgreSQL: the old schema cannot hold those rows.
    with op.batch_alter_table("scorecards", schema=None) as batch_op:
        batch_op.alter_column(
            "rubric_set",
            existing_type=sa.Text(),
            type_=sa.String(length=80),
            existing_nullable=False,
        )
    with (
        _keeping_assignment_rubrics(),
        op.batch_alter_table("custom_rubrics", schema=None) as batch_op,
    ):
        batch_op.drop_constraint("uq_custom_rubrics_owner_id_name_version", type_="unique")
        batch_op.create_unique_constraint("uq_custom_rubrics_name_version", ["name", "version"])


@contextmanager
def _keeping_assignment_rubrics() -> Iterator[None]:
    """Put assignments' rubric ids back after custom_rubrics is rebuilt.

    SQLite cannot drop a constraint in place, so the batch rebuilds the table, and dropping
    the old one (foreign keys on, and PRAGMA cannot turn them off inside the migration's
    transaction) fires ON DELETE SET NULL on every assignment's rubric_id. Row ids survive
    the copy, so restoring them is exact. On PostgreSQL nothing was cleared and this is a no-op.
    """
    bind = op.get_bind()
    kept = bind.execute(
        sa.text("SELECT id, rubric_id FROM assignments WHERE rubric_id IS NOT NULL")
    ).all()
    yield
    for assignment_id, rubric_id in kept:
        bind.execute(
            sa.text("UPDATE assignments SET rubric_id = :rubric_id WHERE id = :id"),
            {"rubric_id": rubric_id, "id": assignment_id},
        )
