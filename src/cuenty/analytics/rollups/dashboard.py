"""The dashboard's figures, read from the daily tables only, so its cost follows the number
of days, states, services and people in the range, never the number of raw events; `cache.py`
keeps each range's figures until the next refresh.

`total_users` is the number of distinct users with any event in the range, counting the
visits of anonymous ids linked to them; anonymous visitors never linked are not users.
"""

from __future__ import annotations

import statistics
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.analytics.models import UNKNOWN_STATE
from cuenty.analytics.rollups import daily, funnel, relations
from cuenty.analytics.rollups.models import FunnelJourney, RollupRefresh
from cuenty.catalog import service as catalog
from cuenty.mexico.states import state_by_iso_code

NIL_SERVICE = uuid.UUID(int=0)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Freshness:
    as_of: datetime | None
    fresh: bool


async def last_refresh(session: AsyncSession) -> RollupRefresh | None:
    """Return the latest successful refresh, or None before the first one."""
    return await session.scalar(
        select(RollupRefresh)
        .where(RollupRefresh.status == "succeeded")
        .order_by(RollupRefresh.started_at.desc(), RollupRefresh.id.desc())
        .limit(1)
    )


def freshness(last: RollupRefresh | None, now: datetime, max_age: timedelta) -> Freshness:
    """Say when the rollups were last refreshed and whether that is within `max_age`."""
    if last is None:
        return Freshness(None, False)
    return Freshness(last.started_at, now - last.started_at <= max_age)


async def totals(session: AsyncSession, start: date, end: date) -> dict[str, Any]:
    # The distinct-user counts read one row per user and active day in the range, so they
    # grow with active users. `cache.py` keeps the result until the next refresh.
    metrics = daily.state_metrics
    days = daily.user_days
    users = await session.scalar(
        select(func.count(days.c.user_id.distinct())).where(days.c.local_date.between(start, end))
    )
    payments, cents = (
        await session.execute(
            select(
                func.coalesce(func.sum(metrics.c.payments), 0),
                func.coalesce(func.sum(metrics.c.revenue_cents), 0),
            ).where(metrics.c.local_date.between(start, end))
        )
    ).one()
    return {
        "total_users": int(users or 0),
        "total_payments": int(payments),
        "total_revenue": cents_to_money(cents),
    }


async def top_states(session: AsyncSession, start: date, end: date) -> list[dict[str, Any]]:
    """Return every state with activity in the range by net revenue, `unknown` included."""
    metrics = daily.state_metrics
    days = daily.user_days
    result = await session.execute(
        select(
            metrics.c.state_code,
            func.sum(metrics.c.revenue_cents),
            func.sum(metrics.c.payments),
            func.sum(metrics.c.visits),
        )
        .where(metrics.c.local_date.between(start, end))
        .group_by(metrics.c.state_code)
    )
    users = dict(
        (
            await session.execute(
                select(days.c.state_code, func.count(days.c.user_id.distinct()))
                .where(days.c.local_date.between(start, end))
                .group_by(days.c.state_code)
            )
        ).all()
    )
    rows = [
        {
            "state": _state_name(code),
            "state_code": code,
            "revenue": cents_to_money(cents),
            "users": int(users.get(code, 0)),
            "payments": int(payments),
            "visits": int(visits),
        }
        for code, cents, payments, visits in result
    ]
    rows.sort(key=lambda row: (-row["revenue"], -row["users"], row["state_code"]))
    return rows


async def revenue_by_day(session: AsyncSession, start: date, end: date) -> list[dict[str, Any]]:
    """Return net revenue and payments for every day of the range, days without any at 0."""
    metrics = daily.state_metrics
    result = await session.execute(
        select(
            metrics.c.local_date,
            func.sum(metrics.c.revenue_cents),
            func.sum(metrics.c.payments),
        )
        .where(metrics.c.local_date.between(start, end))
        .group_by(metrics.c.local_date)
    )
    found = {day: (cents, payments) for day, cents, payments in result}
    rows = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        cents, payments = found.get(day, (0, 0))
        rows.append({"date": day, "revenue": cents_to_money(cents), "payments": int(payments or 0)})
    return rows


async def funnel_by_day(session: AsyncSession, start: date, end: date) -> list[dict[str, Any]]:
    table = daily.funnel
    result = await session.execute(
        select(table).where(table.c.cohort_date.between(start, end)).order_by(table.c.cohort_date)
    )
    return [
        {
            "date": row.cohort_date,
            **funnel_figures(
                [row.visits, row.signups, row.payments, row.activations],
                [
                    row.median_seconds_to_signup,
                    row.median_seconds_to_payment,
                    row.median_seconds_to_activation,
                ],
            ),
        }
        for row in result
    ]


async def funnel_summary(session: AsyncSession, start: date, end: date) -> dict[str, Any]:
    """Compute the funnel of the journeys that started in the range, with medians over all."""
    in_range = FunnelJourney.cohort_date.between(start, end)
    visits = await session.scalar(select(func.count()).select_from(FunnelJourney).where(in_range))
    visits = visits or 0
    seconds: dict[str, list[int]] = {step: [] for step in funnel.STEPS}
    result = await session.execute(
        select(
            FunnelJourney.seconds_to_signup,
            FunnelJourney.seconds_to_payment,
            FunnelJourney.seconds_to_activation,
        ).where(in_range, FunnelJourney.seconds_to_signup.is_not(None))
    )
    for row in result:
        for step, value in zip(funnel.STEPS, row, strict=True):
            if value is not None:
                seconds[step].append(value)
    counts = [visits, *(len(seconds[step]) for step in funnel.STEPS)]
    medians = [
        float(statistics.median(seconds[step])) if seconds[step] else None for step in funnel.STEPS
    ]
    return funnel_figures(counts, medians)


def funnel_figures(counts: list[int], medians: list[float | None]) -> dict[str, Any]:
    """Step counts, conversion from the first and from the previous step, median seconds."""
    visits, signups, payments, activations = (int(count) for count in counts)
    steps = {"signups": signups, "payments": payments, "activations": activations}
    previous = {"signups": visits, "payments": signups, "activations": payments}
    return {
        "visits": visits,
        **steps,
        "conversion_from_visit": {name: _ratio(count, visits) for name, count in steps.items()},
        "conversion_from_previous": {
            name: _ratio(count, previous[name]) for name, count in steps.items()
        },
        "median_seconds_to_convert": dict(zip(steps, medians, strict=True)),
    }


async def revenue_by_service(session: AsyncSession, start: date, end: date) -> list[dict[str, Any]]:
    table = daily.revenue_by_service
    result = await session.execute(
        select(
            table.c.service_id,
            func.sum(table.c.payments),
            func.sum(table.c.returns),
            func.sum(table.c.gross_cents),
            func.sum(table.c.revenue_cents),
        )
        .where(table.c.local_date.between(start, end))
        .group_by(table.c.service_id)
    )
    names = {
        service.id: service.name
        for service, _ in await catalog.list_services(session, include_inactive=True)
    }
    rows = [
        {
            "service_id": None if service_id == NIL_SERVICE else service_id,
            "service_name": names.get(service_id),
            "payments": int(payments),
            "returns": int(returns),
            "gross_revenue": cents_to_money(gross),
            "revenue": cents_to_money(net),
        }
        for service_id, payments, returns, gross, net in result
    ]
    rows.sort(key=lambda row: (-row["revenue"], str(row["service_id"])))
    return rows


async def services_health(session: AsyncSession) -> list[dict[str, Any]]:
    table = relations.services_health_summary
    result = await session.execute(select(table).order_by(table.c.service))
    return [dict(row._mapping) for row in result]


def cents_to_money(cents: int | Decimal | None) -> Decimal:
    return (Decimal(int(cents or 0)) / 100).quantize(CENT)


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _state_name(code: str) -> str:
    if code == UNKNOWN_STATE:
        return UNKNOWN_STATE
    state = state_by_iso_code(code)
    return state.name if state is not None else UNKNOWN_STATE
