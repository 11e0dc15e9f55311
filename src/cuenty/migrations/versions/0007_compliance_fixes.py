"""Seal suppressed audit rows, index the audit trail by resource, and remember the auto-renew
setting that a privacy cancellation block switched off.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_trails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("suppression_hash", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_audit_trails_resource", ["resource_type", "resource_id"])
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("auto_renew_held", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_column("auto_renew_held")
    with op.batch_alter_table("audit_trails", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_trails_resource")
        batch_op.drop_column("suppression_hash")
