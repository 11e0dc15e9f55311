"""Add the job outbox, schedules, distributed locks, idempotency keys and webhooks; on
PostgreSQL also procrastinate's schema and the cleanup_expired_locks() function.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from procrastinate.schema import SchemaManager

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# SQLite gives an auto-incrementing id only to a column declared exactly INTEGER PRIMARY KEY.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

CLEANUP_EXPIRED_LOCKS_FUNCTION = """
CREATE OR REPLACE FUNCTION cleanup_expired_locks() RETURNS integer AS $$
DECLARE
    removed integer;
BEGIN
    DELETE FROM distributed_locks WHERE expires_at <= now();
    GET DIAGNOSTICS removed = ROW_COUNT;
    RETURN removed;
END;
$$ LANGUAGE plpgsql
"""

# Objects of procrastinate's schema.sql (procrastinate 3.x), dropped by the downgrade.
PROCRASTINATE_TABLES = (
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_jobs",
    "procrastinate_workers",
)
PROCRASTINATE_TYPES = (
    "procrastinate_job_to_defer_v1",
    "procrastinate_job_event_type",
    "procrastinate_job_status",
)
DROP_PROCRASTINATE_FUNCTIONS = """
DO $$
DECLARE
    function_signature text;
BEGIN
    FOR function_signature IN
        SELECT oid::regprocedure::text FROM pg_proc
         WHERE starts_with(proname::text, 'procrastinate_')
    LOOP
        EXECUTE 'DROP FUNCTION IF EXISTS ' || function_signature || ' CASCADE';
    END LOOP;
END;
$$
"""


def _timestamp(name: str, *, nullable: bool, now_default: bool = False) -> sa.Column:
    default = {"server_default": sa.func.now()} if now_default else {}
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, **default)


def upgrade() -> None:
    _create_job_tables()
    _create_lock_and_idempotency_tables()
    _create_webhook_tables()
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CLEANUP_EXPIRED_LOCKS_FUNCTION)
        _apply_procrastinate_schema()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS cleanup_expired_locks()")
        for table in PROCRASTINATE_TABLES:
            op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
        op.execute(DROP_PROCRASTINATE_FUNCTIONS)
        for type_name in PROCRASTINATE_TYPES:
            op.execute(f"DROP TYPE IF EXISTS {type_name} CASCADE")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_messages")
    op.drop_table("webhook_endpoints")
    op.drop_table("idempotency_keys")
    op.drop_table("distributed_locks")
    op.drop_table("outbox")
    op.drop_table("job_schedules")
    op.drop_table("job_errors")


def _apply_procrastinate_schema() -> None:
    # Run through the driver's own cursor with no parameters: the schema holds "%" signs and
    # many statements, which a parameterized execute would reject.
    cursor = op.get_bind().connection.cursor()
    try:
        cursor.execute(SchemaManager.get_schema())
    finally:
        cursor.close()


def _create_job_tables() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("dedupe_key", sa.String(200), nullable=True),
        sa.Column("ordering_key", sa.String(200), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _timestamp("run_at", nullable=False),
        _timestamp("created_at", nullable=False, now_default=True),
        _timestamp("started_at", nullable=True),
        _timestamp("finished_at", nullable=True),
        _timestamp("lease_expires_at", nullable=True),
        _timestamp("scheduled_for", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index("ix_outbox_ordering_key", "outbox", ["ordering_key"])
    op.create_index("ix_outbox_status_run_at", "outbox", ["status", "run_at"])
    op.create_index(
        "uq_outbox_dedupe_key_todo",
        "outbox",
        ["dedupe_key"],
        unique=True,
        sqlite_where=sa.text("status = 'todo'"),
        postgresql_where=sa.text("status = 'todo'"),
    )
    op.create_table(
        "job_schedules",
        sa.Column("schedule_id", sa.String(200), nullable=False),
        _timestamp("last_run_at", nullable=False),
        sa.PrimaryKeyConstraint("schedule_id", name=op.f("pk_job_schedules")),
    )
    op.create_table(
        "job_errors",
        sa.Column("job_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        _timestamp("occurred_at", nullable=False),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_job_errors")),
    )


def _create_lock_and_idempotency_tables() -> None:
    op.create_table(
        "distributed_locks",
        sa.Column("fencing_token", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("lock_key", sa.String(200), nullable=False),
        sa.Column("lock_owner", sa.String(200), nullable=False),
        _timestamp("acquired_at", nullable=False),
        _timestamp("expires_at", nullable=False),
        sa.PrimaryKeyConstraint("fencing_token", name=op.f("pk_distributed_locks")),
        sa.UniqueConstraint("lock_key", name=op.f("uq_distributed_locks_lock_key")),
        # Never reuse a token after a delete, so fencing tokens only grow.
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_distributed_locks_expires_at"), "distributed_locks", ["expires_at"])
    op.create_table(
        "idempotency_keys",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("principal", sa.String(100), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("path", sa.String(255), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        _timestamp("created_at", nullable=False),
        _timestamp("locked_until", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("principal", "key", name=op.f("uq_idempotency_keys_principal_key")),
    )
    op.create_index(op.f("ix_idempotency_keys_created_at"), "idempotency_keys", ["created_at"])


def _create_webhook_tables() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("secret_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("previous_secret_ciphertext", sa.LargeBinary(), nullable=True),
        _timestamp("previous_secret_expires_at", nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        _timestamp("disabled_at", nullable=True),
        sa.Column("disabled_reason", sa.String(200), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("owner_user_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_api_key_id", sa.Uuid(), nullable=True),
        _timestamp("created_at", nullable=False, now_default=True),
        _timestamp("updated_at", nullable=False, now_default=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    )
    op.create_index(
        op.f("ix_webhook_endpoints_owner_user_id"), "webhook_endpoints", ["owner_user_id"]
    )
    op.create_table(
        "webhook_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("endpoint_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.String(40), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _timestamp("created_at", nullable=False, now_default=True),
        _timestamp("last_attempt_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoints.id"],
            name=op.f("fk_webhook_messages_endpoint_id_webhook_endpoints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_messages")),
        sa.UniqueConstraint(
            "endpoint_id", "event_id", name=op.f("uq_webhook_messages_endpoint_id_event_id")
        ),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("endpoint_id", sa.Uuid(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        _timestamp("attempted_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoints.id"],
            name=op.f("fk_webhook_deliveries_endpoint_id_webhook_endpoints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["webhook_messages.id"],
            name=op.f("fk_webhook_deliveries_message_id_webhook_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index(
        "ix_webhook_deliveries_endpoint_attempted",
        "webhook_deliveries",
        ["endpoint_id", "attempted_at"],
    )
    op.create_index(op.f("ix_webhook_deliveries_message_id"), "webhook_deliveries", ["message_id"])
