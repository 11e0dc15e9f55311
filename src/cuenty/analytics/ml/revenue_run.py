"""The daily revenue forecast: monthly net revenue history, expected renewals of active
subscriptions from the cohort model, and the stored forecast for 1 .. MAX_MONTHS months."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.analytics.ml import repository, revenue
from cuenty.analytics.ml.cohort import SbgFit
from cuenty.analytics.ml.history import History
from cuenty.analytics.ml.models import PredictionRun, RunKind, RunStatus
from cuenty.kit.clock import business_date
from cuenty.kit.money import round_money
from cuenty.orders.models import OrderKind
from cuenty.subscriptions.models import SubscriptionState
from cuenty.subscriptions.periods import period_end

MAX_MONTHS = 12
MONTH = timedelta(days=365.25 / 12)
RENEWING_STATES = (SubscriptionState.ACTIVE.value, SubscriptionState.EXPIRING.value)


async def compute_revenue(
    session: AsyncSession,
    history: History,
    pooled: SbgFit | None,
    renewal_rate: float | None,
    *,
    now: datetime,
) -> PredictionRun:
    monthly = await repository.monthly_revenue(session)
    totals, new_customers = _series(monthly, business_date(now))
    renewal_mean, renewal_variance, renewal_model = _renewals(history, pooled, renewal_rate, now)
    return await asyncio.to_thread(
        _forecast_run, totals, new_customers, renewal_mean, renewal_variance, renewal_model, now
    )


def _forecast_run(
    totals: list[float],
    new_customers: list[float],
    renewal_mean: list[float],
    renewal_variance: list[float],
    renewal_model: str,
    now: datetime,
) -> PredictionRun:
    forecast = revenue.forecast(
        new_customers, MAX_MONTHS, renewal_mean=renewal_mean, renewal_variance=renewal_variance
    )
    backtest = revenue.backtest(new_customers)
    recent = totals[-revenue.SEASON_MONTHS :]
    result = {
        "method": forecast.method,
        "renewalModel": renewal_model,
        "historyMonths": len(totals),
        "historicalAverage": _money(sum(recent) / len(recent)) if recent else "0.00",
        "trend": _money(revenue.trend_per_month(totals)),
        "months": [
            {
                "predicted": _money(mean),
                "interval80": [_money(low) for low in interval80],
                "interval95": [_money(low) for low in interval95],
            }
            for mean, interval80, interval95 in zip(
                forecast.mean, forecast.interval80, forecast.interval95, strict=True
            )
        ],
        "backtest": {
            "mape": backtest.mape,
            "mase": backtest.mase,
            "coverage95": backtest.coverage95,
            "origins": backtest.origins,
        },
    }
    has_history = forecast.method != revenue.NO_MODEL or renewal_model != "none"
    return PredictionRun(
        kind=RunKind.REVENUE.value,
        status=RunStatus.TRAINED.value if has_history else RunStatus.NOT_ENOUGH_DATA.value,
        model_version=f"revenue-{forecast.method}-{renewal_model}-{now:%Y%m%dT%H%M}",
        trained_at=now,
        sample_size=len(totals),
        metrics={"backtest": result["backtest"]},
        result=result,
    )


def _series(
    monthly: list[tuple[date, str, Decimal]], today: date
) -> tuple[list[float], list[float]]:
    """Total and new-customer net revenue per complete month, from the first month with
    revenue to the month before `today`, with zeros for months without any."""
    current = today.replace(day=1)
    months = [first_day for first_day, _, _ in monthly if first_day < current]
    if not months:
        return [], []
    totals: dict[date, float] = defaultdict(float)
    new: dict[date, float] = defaultdict(float)
    for first_day, kind, amount in monthly:
        totals[first_day] += float(amount)
        if kind != OrderKind.RENEWAL.value:
            new[first_day] += float(amount)
    series, month = [], min(months)
    while month < current:
        series.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return [totals[m] for m in series], [new[m] for m in series]


def _renewals(
    history: History, pooled: SbgFit | None, renewal_rate: float | None, now: datetime
) -> tuple[list[float], list[float], str]:
    """Expected renewal revenue per future month and its variance: each coming renewal of
    an active subscription happens with the cohort model's chance of surviving to it."""
    if pooled is None and renewal_rate is None:
        return [], [], "none"
    renewals_done: dict[Any, int] = defaultdict(int)
    for subscription_id, _created, _paid in history.renewals:
        renewals_done[subscription_id] += 1
    mean = [0.0] * MAX_MONTHS
    variance = [0.0] * MAX_MONTHS
    end_of_horizon = now + MONTH * MAX_MONTHS
    for row in history.subscriptions:
        plan = history.plans.get(row.plan_id)
        if row.state not in RENEWING_STATES or row.ends_at is None or plan is None:
            continue
        terms = SimpleNamespace(
            duration_value=plan.duration_value, duration_unit=plan.duration_unit
        )
        price, alive, step, renewal_at = float(plan.price), 1.0, 0, row.ends_at
        while renewal_at <= end_of_horizon:
            done = renewals_done[row.id] + step
            churn = pooled.churn_probability(done) if pooled else 1.0 - float(renewal_rate or 0)
            alive *= 1.0 - churn
            month = min(max(int((renewal_at - now) / MONTH), 0), MAX_MONTHS - 1)
            mean[month] += price * alive
            variance[month] += price * price * alive * (1.0 - alive)
            renewal_at = period_end(renewal_at, terms)  # type: ignore[arg-type]
            step += 1
    return mean, variance, "sbg" if pooled else "renewal_rate"


def _money(value: float) -> str:
    return str(round_money(Decimal(repr(value))))
