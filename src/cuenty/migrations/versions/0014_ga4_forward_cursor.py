"""Cursor of GA4 forwarding over analytics_events.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ga4_forward_cursors",
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("last_event_row_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_ga4_forward_cursors")),
    )


def downgrade() -> None:
    op.drop_table("ga4_forward_cursors")
