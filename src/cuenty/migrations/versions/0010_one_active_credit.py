"""Allow one active credit per received transfer, and one live customer credit.

An undone over-payment keeps its customer credit as "void", so a new match of the same
transfer can create a new one.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payment_customer_credits", schema=None) as batch_op:
        batch_op.drop_constraint("uq_payment_customer_credits_transfer_id", type_="unique")
    op.create_index(
        "uq_payment_customer_credits_live_transfer",
        "payment_customer_credits",
        ["transfer_id"],
        unique=True,
        postgresql_where=sa.text("state <> 'void'"),
        sqlite_where=sa.text("state <> 'void'"),
    )
    op.create_index(
        "uq_transaction_reconciliation_active_transfer",
        "transaction_reconciliation",
        ["transfer_id"],
        unique=True,
        postgresql_where=sa.text("undone_at IS NULL"),
        sqlite_where=sa.text("undone_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_transaction_reconciliation_active_transfer", table_name="transaction_reconciliation"
    )
    op.drop_index(
        "uq_payment_customer_credits_live_transfer", table_name="payment_customer_credits"
    )
    with op.batch_alter_table("payment_customer_credits", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            "uq_payment_customer_credits_transfer_id", ["transfer_id"]
        )
