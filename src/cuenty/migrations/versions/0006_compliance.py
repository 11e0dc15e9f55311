"""Add the compliance tables: ARCO requests, consent records, privacy notices, the chained
audit trail, blocks of personal data awaiting suppression, security incidents and the data
change log. On PostgreSQL also triggers that log changes to users and consent records, and
row-level security that limits api_keys, consent_logs and data_requests to their owner.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Tables whose rows only their owner may see when the session is not the table owner; the
# owner is named by the `cuenty.user_id` setting of the transaction.
OWNER_TABLES = ("api_keys", "consent_logs", "data_requests")
LOGGED_TABLES = ("users", "consent_logs")

LOG_CHANGE_FUNCTION = """
CREATE OR REPLACE FUNCTION cuenty_log_data_change() RETURNS trigger AS $$
DECLARE
    changed text[];
    row_key text;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        SELECT array_agg(new_row.key ORDER BY new_row.key) INTO changed
          FROM jsonb_each(to_jsonb(NEW)) AS new_row
          JOIN jsonb_each(to_jsonb(OLD)) AS old_row ON old_row.key = new_row.key
         WHERE new_row.value IS DISTINCT FROM old_row.value;
    END IF;
    IF TG_OP = 'DELETE' THEN
        row_key := to_jsonb(OLD) ->> 'id';
    ELSE
        row_key := to_jsonb(NEW) ->> 'id';
    END IF;
    INSERT INTO data_change_log (occurred_at, table_name, row_id, operation, changed_columns,
                                 db_user)
    VALUES (now(), TG_TABLE_NAME, row_key, TG_OP, to_json(changed), current_user);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""


def _timestamp(name: str, *, nullable: bool, now_default: bool = False) -> sa.Column:
    default = {"server_default": sa.func.now()} if now_default else {}
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, **default)


def upgrade() -> None:
    _create_data_requests()
    _create_consents_and_notices()
    _create_audit_trails()
    _create_blocks_and_incidents()
    _create_data_change_log()
    if op.get_bind().dialect.name == "postgresql":
        _create_change_triggers()
        _enable_row_level_security()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in OWNER_TABLES:
            op.execute(f"DROP POLICY IF EXISTS {table}_owner ON {table}")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        for table in LOGGED_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_log_change ON {table}")
        op.execute("DROP FUNCTION IF EXISTS cuenty_log_data_change()")
    op.drop_table("data_change_log")
    op.drop_table("security_incidents")
    op.drop_table("personal_data_blocks")
    op.drop_table("audit_trails")
    op.drop_table("privacy_notices")
    op.drop_table("consent_logs")
    op.drop_table("data_requests")


def _create_data_requests() -> None:
    op.create_table(
        "data_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("folio", sa.String(24), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("request_type", sa.String(16), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("filed_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("filed_as", sa.String(16), nullable=False),
        sa.Column("representative", sa.JSON(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        _timestamp("received_at", nullable=False, now_default=True),
        sa.Column("answer_due", sa.Date(), nullable=False),
        sa.Column("execution_due", sa.Date(), nullable=True),
        sa.Column("assigned_to", sa.Uuid(), nullable=True),
        _timestamp("identity_verified_at", nullable=True),
        sa.Column("identity_method", sa.String(32), nullable=True),
        _timestamp("info_requested_at", nullable=True),
        sa.Column("info_request", sa.Text(), nullable=True),
        _timestamp("info_received_at", nullable=True),
        _timestamp("extended_at", nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        _timestamp("answered_at", nullable=True),
        sa.Column("decision", sa.String(16), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("refusal_ground", sa.String(40), nullable=True),
        _timestamp("completed_at", nullable=True),
        _timestamp("export_expires_at", nullable=True),
        _timestamp("suppression_notified_at", nullable=True),
        _timestamp("updated_at", nullable=False, now_default=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_data_requests_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_requests")),
        sa.UniqueConstraint("folio", name=op.f("uq_data_requests_folio")),
    )
    op.create_index(op.f("ix_data_requests_user_id"), "data_requests", ["user_id"])
    op.create_index("ix_data_requests_state_answer_due", "data_requests", ["state", "answer_due"])


def _create_consents_and_notices() -> None:
    op.create_table(
        "consent_logs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(40), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("notice_version", sa.String(20), nullable=True),
        sa.Column("text_sha256", sa.String(64), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("ip_address", sa.String(45), nullable=True),
        sa.Column("user_agent", sa.String(300), nullable=True),
        _timestamp("occurred_at", nullable=False, now_default=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_consent_logs_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_logs")),
    )
    op.create_index("ix_consent_logs_user_purpose", "consent_logs", ["user_id", "purpose", "id"])
    op.create_table(
        "privacy_notices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.String(20), nullable=False),
        sa.Column("version_key", sa.JSON(), nullable=False),
        sa.Column("notice_type", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("purposes", sa.JSON(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        _timestamp("published_at", nullable=False, now_default=True),
        sa.Column("published_by", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_notices")),
        sa.UniqueConstraint(
            "version",
            "notice_type",
            "language",
            name=op.f("uq_privacy_notices_version_notice_type_language"),
        ),
    )


def _create_audit_trails() -> None:
    op.create_table(
        "audit_trails",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _timestamp("occurred_at", nullable=False, now_default=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("actor_user_id", sa.Uuid(), nullable=True),
        sa.Column("actor_role", sa.String(32), nullable=True),
        sa.Column("resource_type", sa.String(40), nullable=True),
        sa.Column("resource_id", sa.String(64), nullable=True),
        sa.Column("subject_user_id", sa.Uuid(), nullable=True),
        sa.Column("old_values", sa.JSON(), nullable=True),
        sa.Column("new_values", sa.JSON(), nullable=True),
        sa.Column("ip_address", sa.String(45), nullable=True),
        sa.Column("user_agent", sa.String(300), nullable=True),
        sa.Column("personal_digest", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("row_hash", sa.String(64), nullable=False),
        _timestamp("suppressed_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_trails")),
        sa.UniqueConstraint("row_hash", name=op.f("uq_audit_trails_row_hash")),
    )
    op.create_index(op.f("ix_audit_trails_action"), "audit_trails", ["action"])
    op.create_index(op.f("ix_audit_trails_subject_user_id"), "audit_trails", ["subject_user_id"])


def _create_blocks_and_incidents() -> None:
    op.create_table(
        "personal_data_blocks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        _timestamp("blocked_at", nullable=False, now_default=True),
        _timestamp("suppress_after", nullable=False),
        sa.Column("retention_reason", sa.Text(), nullable=True),
        _timestamp("lifted_at", nullable=True),
        _timestamp("suppressed_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["data_requests.id"],
            name=op.f("fk_personal_data_blocks_request_id_data_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_data_blocks")),
        sa.UniqueConstraint(
            "request_id", "category", name=op.f("uq_personal_data_blocks_request_id_category")
        ),
    )
    op.create_index(op.f("ix_personal_data_blocks_user_id"), "personal_data_blocks", ["user_id"])
    op.create_table(
        "security_incidents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        _timestamp("occurred_at", nullable=True),
        _timestamp("detected_at", nullable=False),
        sa.Column("data_involved", sa.JSON(), nullable=False),
        sa.Column("affected_user_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("significant", sa.Boolean(), nullable=True),
        sa.Column("assessment", sa.Text(), nullable=True),
        sa.Column("notification", sa.JSON(), nullable=True),
        _timestamp("notified_at", nullable=True),
        sa.Column("corrective_measures", sa.JSON(), nullable=False),
        sa.Column("registered_by", sa.Uuid(), nullable=True),
        _timestamp("created_at", nullable=False, now_default=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_incidents")),
    )


def _create_data_change_log() -> None:
    op.create_table(
        "data_change_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _timestamp("occurred_at", nullable=False, now_default=True),
        sa.Column("table_name", sa.String(63), nullable=False),
        sa.Column("row_id", sa.String(64), nullable=True),
        sa.Column("operation", sa.String(8), nullable=False),
        sa.Column("changed_columns", sa.JSON(), nullable=True),
        sa.Column("db_user", sa.String(63), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_change_log")),
    )


def _create_change_triggers() -> None:
    op.execute(LOG_CHANGE_FUNCTION)
    for table in LOGGED_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_log_change AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION cuenty_log_data_change()"
        )


def _enable_row_level_security() -> None:
    # The table owner (the application's role) is not subject to these policies; they bind
    # every other role, such as a reporting or support role with SELECT rights.
    for table in OWNER_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {table}_owner ON {table} "
            "USING (user_id::text = current_setting('cuenty.user_id', true)) "
            "WITH CHECK (user_id::text = current_setting('cuenty.user_id', true))"
        )
