"""Tables of predictions: one row per model run (version, training date, metrics) and one
row per scored subscription, so the API serves stored numbers and never trains."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cuenty.kit.db import Base, UTCDateTime, created_at_column

# BIGINT identity on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY.
ROW_ID = BigInteger().with_variant(Integer, "sqlite")


class RunKind(StrEnum):
    CHURN = "churn"
    REVENUE = "revenue"


class RunStatus(StrEnum):
    # The classifier was trained and scored the subscriptions.
    TRAINED = "trained"
    # Too little renewal history for the classifier; the sBG cohort model scored them.
    COHORT_FALLBACK = "cohort_fallback"
    # Too little history even for the cohort model; nothing was scored.
    NOT_ENOUGH_DATA = "not_enough_data"


class PredictionRun(Base):
    """One daily computation of a kind of prediction, with what it was trained on."""

    __tablename__ = "prediction_runs"
    __table_args__ = (Index("ix_prediction_runs_kind_id", "kind", "id"),)

    id: Mapped[int] = mapped_column(ROW_ID, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(20))
    model_version: Mapped[str] = mapped_column(String(80))
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sample_size: Mapped[int] = mapped_column(Integer, default=0)
    # Cross-validation scores, the serving model, calibration, and why a fallback was used.
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The revenue forecast per horizon (amounts as strings, so Decimals survive JSON).
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = created_at_column()


class Prediction(Base):
    """The churn score of one subscription near its end date, from one run."""

    __tablename__ = "predictions"
    __table_args__ = (Index("ix_predictions_run_probability", "run_id", "churn_probability", "id"),)

    id: Mapped[int] = mapped_column(ROW_ID, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("prediction_runs.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    subscription_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    period_ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    churn_probability: Mapped[float] = mapped_column(Float)
    confidence_score: Mapped[float] = mapped_column(Float)
    # The features that raised this score most, with their values.
    factors: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
