"""hardening: login failures in the database, cohort invitations

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 09:00:00.000000

Login failures move from process memory to a table, so that several workers share one count.
Trainers no longer add learners to a cohort: they invite, and the learner accepts.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_failures_key"), ["key"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_login_failures_failed_at"), ["failed_at"], unique=False
        )

    op.create_table(
        "cohort_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("invited_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_cohort_invitations_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_cohort_invitations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"],
            ["users.id"],
            name=op.f("fk_cohort_invitations_invited_by_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_invitations")),
        sa.UniqueConstraint(
            "cohort_id", "user_id", name=op.f("uq_cohort_invitations_cohort_id_user_id")
        ),
    )
    with op.batch_alter_table("cohort_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cohort_invitations_cohort_id"), ["cohort_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cohort_invitations_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("cohort_invitations")
    op.drop_table("login_failures")
