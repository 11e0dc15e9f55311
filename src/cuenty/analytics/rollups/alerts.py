"""KPI alerts: after each refresh, every active rule compares its metric over its window with
a threshold or with the forecast's 95% interval. A rule that fires gets a firing record and
an event that the notifications package turns into messages for the recipients; a rule that
would fire again within its cooldown is suppressed, which only its last evaluation records.
"""

from __future__ import annotations

import operator
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.analytics.rollups import relations
from cuenty.analytics.rollups.dashboard import cents_to_money
from cuenty.analytics.rollups.forecast import InsufficientHistoryError, window_interval
from cuenty.analytics.rollups.models import KpiAlertFiring, KpiAlertRule
from cuenty.identity.service import staff_user_ids
from cuenty.kit import jobs
from cuenty.kit.clock import business_date, start_of_business_day
from cuenty.kit.i18n import N_

FIRED_EVENT = "analytics.kpi_alert_fired"
FORECAST = "outside_forecast"
COMPARISONS: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}
COUNT_COLUMNS = ("visits", "signups", "payments", "activations")
RATIO_PLACES = Decimal("0.0001")

NO_VISITS = N_("No visits in the window.")
COOLDOWN = N_("Cooling down until {until}.")

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Evaluation:
    status: str  # fired, suppressed, ok, insufficient_history or no_data
    value: Decimal | None
    window_start: datetime
    window_end: datetime
    threshold: Decimal | None = None
    lower: Decimal | None = None
    upper: Decimal | None = None
    # A message id such as NO_VISITS, filled with `reason_params` and translated when read.
    reason: str | None = None
    reason_params: dict[str, str] | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "value": _number(self.value),
            "windowStart": self.window_start.isoformat(),
            "windowEnd": self.window_end.isoformat(),
            "threshold": _number(self.threshold),
            "lowerBound": _number(self.lower),
            "upperBound": _number(self.upper),
            "reason": self.reason,
            "reasonParams": self.reason_params,
        }


async def evaluate_rules(session: AsyncSession, now: datetime) -> list[Evaluation]:
    """Evaluate every active rule as of `now` (the refresh time) and fire the ones due."""
    rules = list(
        await session.scalars(
            select(KpiAlertRule).where(KpiAlertRule.active.is_(True)).order_by(KpiAlertRule.id)
        )
    )
    outcomes = []
    for rule in rules:
        evaluation = await evaluate(session, rule, now)
        if evaluation.status == "fired":
            await _fire(session, rule, evaluation, now)
        rule.last_evaluated_at = now
        rule.last_evaluation = evaluation.as_json()
        outcomes.append(evaluation)
    return outcomes


async def evaluate(session: AsyncSession, rule: KpiAlertRule, now: datetime) -> Evaluation:
    if rule.comparison == FORECAST:
        evaluation = await _against_forecast(session, rule, now)
    else:
        evaluation = await _against_threshold(session, rule, now)
    if evaluation.status != "fired":
        return evaluation
    cooldown = timedelta(minutes=rule.cooldown_minutes)
    if rule.last_fired_at is not None and now - rule.last_fired_at < cooldown:
        until = (rule.last_fired_at + cooldown).isoformat()
        return _replace(evaluation, "suppressed", COOLDOWN, {"until": until})
    return evaluation


async def _against_threshold(
    session: AsyncSession, rule: KpiAlertRule, now: datetime
) -> Evaluation:
    end_hour = now.replace(minute=0, second=0, microsecond=0)
    start = end_hour - timedelta(hours=rule.window_hours - 1)
    table = relations.realtime_stats
    sums = (
        await session.execute(
            select(*_sums(table)).where(table.c.hour_start >= start, table.c.hour_start <= end_hour)
        )
    ).one()
    value = metric_value(
        rule.metric, dict(zip((*COUNT_COLUMNS, "revenue_cents"), sums, strict=True))
    )
    threshold = rule.threshold
    if value is None or threshold is None:
        return Evaluation("no_data", value, start, now, threshold, reason=NO_VISITS)
    fired = COMPARISONS[rule.comparison](value, threshold)
    return Evaluation("fired" if fired else "ok", value, start, now, threshold)


async def _against_forecast(session: AsyncSession, rule: KpiAlertRule, now: datetime) -> Evaluation:
    window_days = rule.window_hours // 24
    last_day = business_date(now) - timedelta(days=1)
    first_day = last_day - timedelta(days=window_days - 1)
    start, end = start_of_business_day(first_day), start_of_business_day(last_day + timedelta(1))
    daily = await daily_history(session, last_day)
    window = [daily.pop(day) for day in sorted(daily) if day >= first_day]
    history = _series(rule.metric, daily)
    value = metric_value(rule.metric, _add(window))
    if value is None:
        return Evaluation("no_data", None, start, end, reason=NO_VISITS)
    try:
        interval = window_interval(history, window_days, mean=rule.metric == "conversion_rate")
    except InsufficientHistoryError as error:
        params = {"needed": str(error.needed), "available": str(error.available)}
        return Evaluation(
            "insufficient_history", value, start, end, reason=error.reason, reason_params=params
        )
    lower = Decimal(str(interval.lower)).quantize(RATIO_PLACES)
    upper = Decimal(str(interval.upper)).quantize(RATIO_PLACES)
    fired = value < lower or value > upper
    return Evaluation("fired" if fired else "ok", value, start, end, None, lower, upper)


async def daily_history(session: AsyncSession, last_day: date) -> dict[date, dict[str, int]]:
    """Daily sums from the first day with data to `last_day`, days without data as zeros."""
    table = relations.state_metrics
    result = await session.execute(
        select(table.c.local_date, *_sums(table))
        .where(table.c.local_date <= last_day)
        .group_by(table.c.local_date)
    )
    found = {
        day: dict(zip((*COUNT_COLUMNS, "revenue_cents"), (int(v) for v in values), strict=True))
        for day, *values in result
    }
    if not found:
        return {}
    days: dict[date, dict[str, int]] = {}
    day = min(found)
    while day <= last_day:
        days[day] = found.get(day, dict.fromkeys((*COUNT_COLUMNS, "revenue_cents"), 0))
        day += timedelta(days=1)
    return days


def metric_value(metric: str, sums: dict[str, Any]) -> Decimal | None:
    """Compute the metric from summed counts: revenue in MXN, a count, or payments per visit."""
    if metric == "revenue":
        return cents_to_money(sums["revenue_cents"])
    if metric == "conversion_rate":
        visits = int(sums["visits"] or 0)
        if not visits:
            return None
        return (Decimal(int(sums["payments"] or 0)) / visits).quantize(RATIO_PLACES)
    return Decimal(int(sums[metric] or 0))


def _series(metric: str, daily: dict[date, dict[str, int]]) -> list[float]:
    values = [metric_value(metric, daily[day]) for day in sorted(daily)]
    # A day without visits has no conversion rate; it is left out of the rate's history.
    return [float(value) for value in values if value is not None]


def _add(days: list[dict[str, int]]) -> dict[str, int]:
    keys = (*COUNT_COLUMNS, "revenue_cents")
    return {key: sum(day[key] for day in days) for key in keys}


def _sums(table: Any) -> list[Any]:
    return [func.coalesce(func.sum(table.c[name]), 0) for name in (*COUNT_COLUMNS, "revenue_cents")]


async def _fire(
    session: AsyncSession, rule: KpiAlertRule, evaluation: Evaluation, now: datetime
) -> KpiAlertFiring:
    recipients = await recipient_ids(session, rule.recipients)
    firing = KpiAlertFiring(
        id=uuid.uuid4(),
        rule_id=rule.id,
        fired_at=now,
        window_start=evaluation.window_start,
        window_end=evaluation.window_end,
        value=evaluation.value,
        threshold=evaluation.threshold,
        lower_bound=evaluation.lower,
        upper_bound=evaluation.upper,
        details=evaluation.as_json(),
        recipients=len(recipients),
    )
    session.add(firing)
    rule.last_fired_at = now
    await jobs.publish(
        session,
        FIRED_EVENT,
        {
            "firingId": str(firing.id),
            "ruleId": str(rule.id),
            "ruleName": rule.name,
            "metric": rule.metric,
            "comparison": rule.comparison,
            "value": _number(evaluation.value),
            "threshold": _number(evaluation.threshold),
            "lowerBound": _number(evaluation.lower),
            "upperBound": _number(evaluation.upper),
            "windowStart": evaluation.window_start.isoformat(),
            "windowEnd": evaluation.window_end.isoformat(),
            "userIds": [str(user_id) for user_id in recipients],
        },
    )
    log.info("analytics.kpi_alert_fired", rule_id=str(rule.id), recipients=len(recipients))
    return firing


async def recipient_ids(session: AsyncSession, recipients: dict[str, Any]) -> list[uuid.UUID]:
    """Active staff with one of the rule's roles, plus the named users who are active staff."""
    from cuenty.identity.access import STAFF_ROLES

    roles = tuple(recipients.get("roles") or ())
    chosen = set(await staff_user_ids(session, roles)) if roles else set()
    named = {uuid.UUID(str(value)) for value in recipients.get("userIds") or ()}
    if named:
        staff = set(await staff_user_ids(session, tuple(sorted(STAFF_ROLES))))
        chosen |= named & staff
    return sorted(chosen)


def _replace(
    evaluation: Evaluation, status: str, reason: str, params: dict[str, str]
) -> Evaluation:
    return Evaluation(
        status,
        evaluation.value,
        evaluation.window_start,
        evaluation.window_end,
        evaluation.threshold,
        evaluation.lower,
        evaluation.upper,
        reason,
        params,
    )


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None
