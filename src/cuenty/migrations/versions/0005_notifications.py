"""Add the notifications delivery log, status callbacks, development messages, Web Push
subscriptions, and the Chatwoot contacts and events.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = (
    "chatwoot_events",
    "chatwoot_contacts",
    "push_subscriptions",
    "notification_dev_messages",
    "notification_status_callbacks",
    "notifications",
)


def _timestamp(name: str, *, nullable: bool, now_default: bool = False) -> sa.Column:
    default = {"server_default": sa.func.now()} if now_default else {}
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, **default)


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def upgrade() -> None:
    _create_notifications()
    _create_callbacks_and_dev_messages()
    _create_push_subscriptions()
    _create_chatwoot_tables()


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)


def _create_notifications() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("template", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("requested_channel", sa.String(16), nullable=True),
        sa.Column("channel", sa.String(16), nullable=True),
        sa.Column("fixed_recipient", sa.Boolean(), nullable=False),
        sa.Column("recipient_masked", sa.String(254), nullable=True),
        sa.Column("locale", sa.String(8), nullable=True),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
        sa.Column("dedupe_key", sa.String(200), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(32), nullable=True),
        sa.Column("provider_message_id", sa.String(128), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("body_preview", sa.Text(), nullable=True),
        _timestamp("created_at", nullable=False, now_default=True),
        _timestamp("updated_at", nullable=False, now_default=True),
        _timestamp("sent_at", nullable=True),
        _timestamp("delivered_at", nullable=True),
        _user_fk("notifications"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notifications_dedupe_key")),
    )
    op.create_index(op.f("ix_notifications_user_id"), "notifications", ["user_id"])
    op.create_index(op.f("ix_notifications_created_at"), "notifications", ["created_at"])
    op.create_index(
        op.f("ix_notifications_provider_message_id"), "notifications", ["provider_message_id"]
    )


def _create_callbacks_and_dev_messages() -> None:
    op.create_table(
        "notification_status_callbacks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("callback_key", sa.String(200), nullable=False),
        sa.Column("provider_message_id", sa.String(128), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("error_code", sa.String(32), nullable=True),
        _timestamp("received_at", nullable=False, now_default=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_status_callbacks")),
        sa.UniqueConstraint(
            "provider",
            "callback_key",
            name=op.f("uq_notification_status_callbacks_provider_callback_key"),
        ),
    )
    op.create_table(
        "notification_dev_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("template", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(300), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("provider_message_id", sa.String(64), nullable=False),
        _timestamp("created_at", nullable=False, now_default=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_dev_messages")),
    )
    op.create_index(
        op.f("ix_notification_dev_messages_recipient"), "notification_dev_messages", ["recipient"]
    )


def _create_push_subscriptions() -> None:
    op.create_table(
        "push_subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("endpoint", sa.String(2048), nullable=False),
        sa.Column("p256dh", sa.String(200), nullable=False),
        sa.Column("auth", sa.String(100), nullable=False),
        sa.Column("user_agent", sa.String(300), nullable=True),
        _timestamp("created_at", nullable=False, now_default=True),
        _user_fk("push_subscriptions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_subscriptions")),
        sa.UniqueConstraint("endpoint", name=op.f("uq_push_subscriptions_endpoint")),
    )
    op.create_index(op.f("ix_push_subscriptions_user_id"), "push_subscriptions", ["user_id"])


def _create_chatwoot_tables() -> None:
    op.create_table(
        "chatwoot_contacts",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(200), nullable=True),
        _timestamp("synced_at", nullable=False, now_default=True),
        _user_fk("chatwoot_contacts"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_chatwoot_contacts")),
        sa.UniqueConstraint("contact_id", name=op.f("uq_chatwoot_contacts_contact_id")),
    )
    op.create_table(
        "chatwoot_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("delivery_key", sa.String(200), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(32), nullable=True),
        _timestamp("received_at", nullable=False, now_default=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chatwoot_events")),
        sa.UniqueConstraint("delivery_key", name=op.f("uq_chatwoot_events_delivery_key")),
    )
    op.create_index(
        op.f("ix_chatwoot_events_conversation_id"), "chatwoot_events", ["conversation_id"]
    )
