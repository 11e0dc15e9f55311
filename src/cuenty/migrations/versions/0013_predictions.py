"""Churn and revenue prediction runs and per-subscription churn scores.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
# NOTE: the dashboard migration 0012 is written in parallel; this becomes "0012" when both
# are merged.
down_revision = "0012"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "prediction_runs",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("model_version", sa.String(80), nullable=False),
        sa.Column("trained_at", _utc(), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", _utc(), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_prediction_runs"),
    )
    op.create_index("ix_prediction_runs_kind_id", "prediction_runs", ["kind", "id"])
    op.create_table(
        "predictions",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("run_id", ROW_ID, nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("period_ends_at", _utc(), nullable=False),
        sa.Column("churn_probability", sa.Float(), nullable=False),
        sa.Column("confidence_score", sa.Float(), nullable=False),
        sa.Column("factors", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["prediction_runs.id"],
            name="fk_predictions_run_id_prediction_runs",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_predictions"),
    )
    op.create_index("ix_predictions_run_id", "predictions", ["run_id"])
    op.create_index("ix_predictions_user_id", "predictions", ["user_id"])
    op.create_index(
        "ix_predictions_run_probability", "predictions", ["run_id", "churn_probability", "id"]
    )


def downgrade() -> None:
    op.drop_table("predictions")
    op.drop_table("prediction_runs")
