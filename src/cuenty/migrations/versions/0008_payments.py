"""Payments: order CLABEs, payment requests, received transfers, reconciliations, bank
notifications, imported statements and customer credit.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 00:59:45.167895
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # CLABE sequence numbers: nextval never blocks concurrent transactions (SQLite uses
        # the payment_sequences row instead).
        op.execute("CREATE SEQUENCE payment_clabe_seq START 1 MAXVALUE 9999999 NO CYCLE")
    op.create_table(
        "payment_sequences",
        sa.Column("prefix", sa.String(length=10), nullable=False),
        sa.Column("last_value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", name=op.f("pk_payment_sequences")),
    )
    op.create_table(
        "payment_statement_imports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=24), nullable=False),
        sa.Column("bank", sa.String(length=20), nullable=True),
        sa.Column("account_id", sa.String(length=40), nullable=True),
        sa.Column("lines_read", sa.Integer(), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("debits", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("opening_balance", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("closing_balance", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("actor_type", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_statement_imports")),
    )
    with op.batch_alter_table("payment_statement_imports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_statement_imports_file_sha256"), ["file_sha256"], unique=False
        )

    op.create_table(
        "received_transfers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("natural_key", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("tracking_key", sa.String(length=40), nullable=True),
        sa.Column("operation_date", sa.Date(), nullable=False),
        sa.Column("sender_institution", sa.String(length=5), nullable=True),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("beneficiary_account", sa.String(length=18), nullable=True),
        sa.Column("numeric_reference", sa.String(length=7), nullable=True),
        sa.Column("concept", sa.String(length=210), nullable=True),
        sa.Column("sender_name", sa.String(length=120), nullable=True),
        sa.Column("sender_account", sa.String(length=20), nullable=True),
        sa.Column("sender_rfc", sa.String(length=18), nullable=True),
        sa.Column("provider_id", sa.String(length=60), nullable=True),
        sa.Column("codi_folio", sa.String(length=40), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("review_reason", sa.String(length=120), nullable=True),
        sa.Column("cep_status", sa.String(length=16), nullable=True),
        sa.Column("cep_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cep_details", sa.JSON(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_received_transfers_amount_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_received_transfers")),
        sa.UniqueConstraint("natural_key", name=op.f("uq_received_transfers_natural_key")),
    )
    with op.batch_alter_table("received_transfers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_received_transfers_beneficiary_account"),
            ["beneficiary_account"],
            unique=False,
        )
        batch_op.create_index(
            "ix_received_transfers_state_received_at", ["state", "received_at"], unique=False
        )
        batch_op.create_index(
            "ix_received_transfers_tracking_key_operation_date",
            ["tracking_key", "operation_date"],
            unique=False,
        )

    op.create_table(
        "bank_statement_lines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("line_key", sa.String(length=64), nullable=False),
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("bank", sa.String(length=20), nullable=True),
        sa.Column("account_id", sa.String(length=40), nullable=True),
        sa.Column("booking_date", sa.Date(), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("tracking_key", sa.String(length=40), nullable=True),
        sa.Column("numeric_reference", sa.String(length=7), nullable=True),
        sa.Column("counterparty_account", sa.String(length=34), nullable=True),
        sa.Column("reversal", sa.Boolean(), nullable=False),
        sa.Column("transfer_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["payment_statement_imports.id"],
            name=op.f("fk_bank_statement_lines_import_id_payment_statement_imports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["received_transfers.id"],
            name=op.f("fk_bank_statement_lines_transfer_id_received_transfers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_statement_lines")),
        sa.UniqueConstraint("line_key", name=op.f("uq_bank_statement_lines_line_key")),
    )
    with op.batch_alter_table("bank_statement_lines", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bank_statement_lines_bank_account_id_booking_date",
            ["bank", "account_id", "booking_date"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_bank_statement_lines_import_id"), ["import_id"], unique=False
        )

    op.create_table(
        "bank_webhooks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("bank_code", sa.String(length=20), nullable=False),
        sa.Column("webhook_type", sa.String(length=40), nullable=False),
        sa.Column("transaction_id", sa.String(length=80), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("transfer_id", sa.Uuid(), nullable=True),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["received_transfers.id"],
            name=op.f("fk_bank_webhooks_transfer_id_received_transfers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_webhooks")),
        sa.UniqueConstraint(
            "bank_code", "transaction_id", name=op.f("uq_bank_webhooks_bank_code_transaction_id")
        ),
    )
    op.create_table(
        "payment_customer_credits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("transfer_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_customer_credits_amount_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_payment_customer_credits_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["received_transfers.id"],
            name=op.f("fk_payment_customer_credits_transfer_id_received_transfers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_payment_customer_credits_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_customer_credits")),
        sa.UniqueConstraint("transfer_id", name=op.f("uq_payment_customer_credits_transfer_id")),
    )
    with op.batch_alter_table("payment_customer_credits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_customer_credits_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "payment_order_clabes",
        sa.Column("clabe", sa.String(length=18), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=7), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_payment_order_clabes_order_id_orders"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_payment_order_clabes_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("clabe", name=op.f("pk_payment_order_clabes")),
        sa.UniqueConstraint("order_id", name=op.f("uq_payment_order_clabes_order_id")),
    )
    with op.batch_alter_table("payment_order_clabes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_order_clabes_reference"), ["reference"], unique=False
        )

    op.create_table(
        "payment_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("clabe", sa.String(length=18), nullable=False),
        sa.Column("reference", sa.String(length=7), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("amount_paid", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("bank_name", sa.String(length=80), nullable=False),
        sa.Column("beneficiary", sa.String(length=120), nullable=False),
        sa.Column("concept", sa.String(length=39), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("codi_provider", sa.String(length=40), nullable=True),
        sa.Column("codi_provider_id", sa.String(length=120), nullable=True),
        sa.Column("qr_content", sa.String(length=4000), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_requests_amount_positive")),
        sa.CheckConstraint(
            "amount_paid >= 0", name=op.f("ck_payment_requests_amount_paid_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["clabe"],
            ["payment_order_clabes.clabe"],
            name=op.f("fk_payment_requests_clabe_payment_order_clabes"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_payment_requests_order_id_orders"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_payment_requests_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_requests")),
    )
    with op.batch_alter_table("payment_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payment_requests_order_id_created_at", ["order_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payment_requests_reference"), ["reference"], unique=False
        )
        batch_op.create_index(
            "ix_payment_requests_state_expires_at", ["state", "expires_at"], unique=False
        )

    op.create_table(
        "transaction_reconciliation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("transfer_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("payment_request_id", sa.Uuid(), nullable=True),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("excess", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("actor_type", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undo_reason", sa.String(length=300), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "amount > 0", name=op.f("ck_transaction_reconciliation_amount_positive")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_transaction_reconciliation_order_id_orders"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["payment_request_id"],
            ["payment_requests.id"],
            name=op.f("fk_transaction_reconciliation_payment_request_id_payment_requests"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["received_transfers.id"],
            name=op.f("fk_transaction_reconciliation_transfer_id_received_transfers"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transaction_reconciliation")),
    )
    with op.batch_alter_table("transaction_reconciliation", schema=None) as batch_op:
        batch_op.create_index("ix_transaction_reconciliation_order_id", ["order_id"], unique=False)
        batch_op.create_index(
            "ix_transaction_reconciliation_transfer_id", ["transfer_id"], unique=False
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE IF EXISTS payment_clabe_seq")
    with op.batch_alter_table("transaction_reconciliation", schema=None) as batch_op:
        batch_op.drop_index("ix_transaction_reconciliation_transfer_id")
        batch_op.drop_index("ix_transaction_reconciliation_order_id")

    op.drop_table("transaction_reconciliation")
    with op.batch_alter_table("payment_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_requests_state_expires_at")
        batch_op.drop_index(batch_op.f("ix_payment_requests_reference"))
        batch_op.drop_index("ix_payment_requests_order_id_created_at")

    op.drop_table("payment_requests")
    with op.batch_alter_table("payment_order_clabes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_order_clabes_reference"))

    op.drop_table("payment_order_clabes")
    with op.batch_alter_table("payment_customer_credits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_customer_credits_user_id"))

    op.drop_table("payment_customer_credits")
    op.drop_table("bank_webhooks")
    with op.batch_alter_table("bank_statement_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_statement_lines_import_id"))
        batch_op.drop_index("ix_bank_statement_lines_bank_account_id_booking_date")

    op.drop_table("bank_statement_lines")
    with op.batch_alter_table("received_transfers", schema=None) as batch_op:
        batch_op.drop_index("ix_received_transfers_tracking_key_operation_date")
        batch_op.drop_index("ix_received_transfers_state_received_at")
        batch_op.drop_index(batch_op.f("ix_received_transfers_beneficiary_account"))

    op.drop_table("received_transfers")
    with op.batch_alter_table("payment_statement_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_statement_imports_file_sha256"))

    op.drop_table("payment_statement_imports")
    op.drop_table("payment_sequences")
