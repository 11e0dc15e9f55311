"""Queries of the predictions tables."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.analytics.ml.models import Prediction, PredictionRun
from cuenty.analytics.models import AnalyticsEvent, Source
from cuenty.orders.models import Order, OrderKind

REVENUE_EVENT_TYPES = ("payment", "payment_returned", "refund")


async def latest_run(session: AsyncSession, kind: str) -> PredictionRun | None:
    return await session.scalar(
        select(PredictionRun)
        .where(PredictionRun.kind == kind)
        .order_by(PredictionRun.id.desc())
        .limit(1)
    )


def predictions_query(run_id: int, min_probability: float | None) -> Select[tuple[Prediction]]:
    query = select(Prediction).where(Prediction.run_id == run_id)
    if min_probability is not None:
        query = query.where(Prediction.churn_probability >= min_probability)
    return query


async def add_run(
    session: AsyncSession, run: PredictionRun, predictions: Sequence[dict[str, Any]]
) -> None:
    session.add(run)
    await session.flush()
    if predictions:
        session.add_all(Prediction(run_id=run.id, **values) for values in predictions)
        await session.flush()


async def delete_old_runs(session: AsyncSession, kind: str, keep: int) -> None:
    kept = (
        select(PredictionRun.id)
        .where(PredictionRun.kind == kind)
        .order_by(PredictionRun.id.desc())
        .limit(keep)
    )
    old_ids = select(PredictionRun.id).where(
        PredictionRun.kind == kind, PredictionRun.id.not_in(kept)
    )
    # Explicit, because SQLite enforces ON DELETE CASCADE only with foreign keys on.
    await session.execute(delete(Prediction).where(Prediction.run_id.in_(old_ids)))
    await session.execute(
        delete(PredictionRun).where(PredictionRun.kind == kind, PredictionRun.id.not_in(kept))
    )


async def user_predictions(
    session: AsyncSession, user_id: uuid.UUID
) -> list[tuple[Prediction, PredictionRun]]:
    rows = await session.execute(
        select(Prediction, PredictionRun)
        .join(PredictionRun, PredictionRun.id == Prediction.run_id)
        .where(Prediction.user_id == user_id)
        .order_by(Prediction.id)
    )
    return [(prediction, run) for prediction, run in rows.all()]


async def delete_user_predictions(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(delete(Prediction).where(Prediction.user_id == user_id))


async def monthly_revenue(session: AsyncSession) -> list[tuple[date, str, Decimal]]:
    """Net revenue per Mexico City month and order kind (new or renewal), from the
    platform's payment, return and refund events."""
    rows = await session.execute(
        select(AnalyticsEvent.local_date, Order.kind, func.sum(AnalyticsEvent.amount))
        .outerjoin(Order, Order.id == AnalyticsEvent.order_id)
        .where(
            AnalyticsEvent.source == Source.PLATFORM.value,
            AnalyticsEvent.event_type.in_(REVENUE_EVENT_TYPES),
            AnalyticsEvent.amount.is_not(None),
        )
        .group_by(AnalyticsEvent.local_date, Order.kind)
    )
    totals: dict[tuple[date, str], Decimal] = {}
    for local_date, kind, amount in rows.all():
        key = (local_date.replace(day=1), kind or OrderKind.NEW.value)
        totals[key] = totals.get(key, Decimal("0")) + amount
    return [(first_day, kind, amount) for (first_day, kind), amount in sorted(totals.items())]
