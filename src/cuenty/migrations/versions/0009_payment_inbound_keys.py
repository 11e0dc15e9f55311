"""Key bank notifications by type as well, and keep the cause of an STP return.

A bank may reuse one transaction id for a deposit and for its return, so `bank_webhooks` is
unique on (bank_code, webhook_type, transaction_id). `received_transfers.return_cause` is the
STP return cause sent with "devolver", so a retried notification gets the same answer.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bank_webhooks", schema=None) as batch_op:
        batch_op.drop_constraint("uq_bank_webhooks_bank_code_transaction_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_bank_webhooks_bank_code_webhook_type_transaction_id",
            ["bank_code", "webhook_type", "transaction_id"],
        )
    with op.batch_alter_table("received_transfers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("return_cause", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("received_transfers", schema=None) as batch_op:
        batch_op.drop_column("return_cause")
    # Fails when two rows share (bank_code, transaction_id) with different types.
    with op.batch_alter_table("bank_webhooks", schema=None) as batch_op:
        batch_op.drop_constraint(
            "uq_bank_webhooks_bank_code_webhook_type_transaction_id", type_="unique"
        )
        batch_op.create_unique_constraint(
            "uq_bank_webhooks_bank_code_transaction_id", ["bank_code", "transaction_id"]
        )
