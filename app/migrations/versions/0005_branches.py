"""branches: a practice session may be a branch of another, from one of its turns

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 12:00:00.000000

Three nullable columns on practice_sessions: the parent session, the parent's turn index the
branch replaces, and when the branch was made. Deleting a parent deletes its branches (ON
DELETE CASCADE), because a branch holds a copy of the parent's words up to the branch point.

On SQLite the columns are added in place with ALTER TABLE, never through a batch rebuild:
rebuilding practice_sessions would drop the old table, and with foreign keys on that fires
ON DELETE CASCADE on every turn and scorecard (see 0002 for the same trap).
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

FK_NAME = "fk_practice_sessions_parent_id_practice_sessions"
KEPT_ON_REBUILD = ("turns", "scorecards")  # the tables whose rows reference practice_sessions


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE practice_sessions ADD COLUMN parent_id VARCHAR(36) "
            f"CONSTRAINT {FK_NAME} REFERENCES practice_sessions (id) ON DELETE CASCADE"
        )
    else:
        op.add_column("practice_sessions", sa.Column("parent_id", sa.String(36), nullable=True))
        op.create_foreign_key(
            FK_NAME,
            "practice_sessions",
            "practice_sessions",
            ["parent_id"],
            ["id"],
            ondelete="CASCADE",
        )
    op.add_column("practice_sessions", sa.Column("branch_turn", sa.Integer(), nullable=True))
    op.add_column(
        "practice_sessions",
        sa.Column("branched_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_practice_sessions_parent_id", "practice_sessions", ["parent_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_practice_sessions_parent_id", table_name="practice_sessions")
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # SQLite cannot drop a column that carries a REFERENCES clause, so the table is
        # rebuilt; dropping the old table cascades into every turn and scorecard, which are
        # kept aside and put back (row ids survive). Branches themselves go: the old schema
        # has no place for them.
        op.execute("DELETE FROM practice_sessions WHERE parent_id IS NOT NULL")
        for table in KEPT_ON_REBUILD:
            op.execute(f"CREATE TEMP TABLE kept_{table} AS SELECT * FROM {table}")
        with op.batch_alter_table("practice_sessions", schema=None) as batch_op:
            batch_op.drop_column("branched_at")
            batch_op.drop_column("branch_turn")
            batch_op.drop_column("parent_id")
        for table in KEPT_ON_REBUILD:
            op.execute(f"DELETE FROM {table}")
            op.execute(f"INSERT INTO {table} SELECT * FROM kept_{table}")
            op.execute(f"DROP TABLE kept_{table}")
        return
    op.drop_constraint(FK_NAME, "practice_sessions", type_="foreignkey")
    op.drop_column("practice_sessions", "branched_at")
    op.drop_column("practice_sessions", "branch_turn")
    op.drop_column("practice_sessions", "parent_id")
