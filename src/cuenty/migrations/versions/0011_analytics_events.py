"""Analytics events, browser sessions, visitor-to-user links and per-user aggregates.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MONEY = sa.Numeric(12, 2)


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "analytics_events",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("event_name", sa.String(80), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("anonymous_id", sa.String(64), nullable=True),
        sa.Column("session_id", sa.String(64), nullable=True),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("page_url", sa.String(2048), nullable=True),
        sa.Column("referrer", sa.String(2048), nullable=True),
        sa.Column("occurred_at", _utc(), nullable=False),
        sa.Column("received_at", _utc(), server_default=sa.func.now(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("device", sa.String(16), nullable=True),
        sa.Column("browser", sa.String(40), nullable=True),
        sa.Column("os", sa.String(40), nullable=True),
        sa.Column("state_code", sa.String(8), nullable=False),
        sa.Column("amount", MONEY, nullable=True),
        sa.Column("service_id", sa.Uuid(), nullable=True),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "source IN ('client', 'platform')", name=op.f("ck_analytics_events_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_analytics_events_event_id")),
    )
    op.create_index("ix_analytics_events_occurred_at", "analytics_events", ["occurred_at"])
    op.create_index(
        "ix_analytics_events_user_occurred", "analytics_events", ["user_id", "occurred_at"]
    )
    op.create_index(
        "ix_analytics_events_type_day", "analytics_events", ["event_type", "local_date"]
    )
    op.create_index(
        op.f("ix_analytics_events_anonymous_id"), "analytics_events", ["anonymous_id"]
    )
    op.create_table(
        "analytics_sessions",
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("anonymous_id", sa.String(64), nullable=True),
        sa.Column("started_at", _utc(), nullable=False),
        sa.Column("last_event_at", _utc(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_analytics_sessions")),
    )
    op.create_index(op.f("ix_analytics_sessions_user_id"), "analytics_sessions", ["user_id"])
    op.create_table(
        "analytics_identity_links",
        sa.Column("anonymous_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("linked_at", _utc(), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("anonymous_id", name=op.f("pk_analytics_identity_links")),
    )
    op.create_index(
        op.f("ix_analytics_identity_links_user_id"), "analytics_identity_links", ["user_id"]
    )
    op.create_table(
        "user_behavior",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("conversions", sa.Integer(), nullable=False),
        sa.Column("total_time_on_site_seconds", sa.BigInteger(), nullable=False),
        sa.Column("first_seen_at", _utc(), nullable=True),
        sa.Column("last_seen_at", _utc(), nullable=True),
        sa.Column("last_session_at", _utc(), nullable=True),
        sa.Column("updated_at", _utc(), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_behavior")),
    )


def downgrade() -> None:
    op.drop_table("user_behavior")
    op.drop_index(
        op.f("ix_analytics_identity_links_user_id"), table_name="analytics_identity_links"
    )
    op.drop_table("analytics_identity_links")
    op.drop_index(op.f("ix_analytics_sessions_user_id"), table_name="analytics_sessions")
    op.drop_table("analytics_sessions")
    op.drop_index(op.f("ix_analytics_events_anonymous_id"), table_name="analytics_events")
    op.drop_index("ix_analytics_events_type_day", table_name="analytics_events")
    op.drop_index("ix_analytics_events_user_occurred", table_name="analytics_events")
    op.drop_index("ix_analytics_events_occurred_at", table_name="analytics_events")
    op.drop_table("analytics_events")
