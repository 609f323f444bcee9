"""hardening: media streams bound to their call, server-side staff sessions, shared login
throttling (replacing the per-account lockout columns)

Revision ID: 0002_hardening
Revises: 0001
Create Date: 2026-12-02 01:05:31.527236
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import voicebot.crm.models

revision: str = "0002_hardening"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", voicebot.crm.models.UTCDateTime(), nullable=False),
        sa.Column("blocked_until", voicebot.crm.models.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttle")),
        sa.UniqueConstraint("key", name=op.f("uq_login_throttle_key")),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", voicebot.crm.models.UTCDateTime(), nullable=False),
        sa.Column("expires_at", voicebot.crm.models.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", voicebot.crm.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_users.id"],
            name=op.f("fk_staff_sessions_staff_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_sessions_token_hash")),
    )
    with op.batch_alter_table("staff_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_sessions_staff_id"), ["staff_id"], unique=False)

    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stream_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("stream_started_at", voicebot.crm.models.UTCDateTime(), nullable=True)
        )

    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")


def downgrade() -> None:
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("locked_until", voicebot.crm.models.UTCDateTime(), nullable=True)
        )

    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("stream_started_at")
        batch_op.drop_column("stream_token_hash")

    with op.batch_alter_table("staff_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_sessions_staff_id"))

    op.drop_table("staff_sessions")
    op.drop_table("login_throttle")
