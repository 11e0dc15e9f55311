"""Lengths of subscription periods and days left, counted in Mexico City's calendar."""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from cuenty.catalog.models import DurationUnit, Plan
from cuenty.kit.clock import MEXICO_CITY, business_date, ensure_utc


def period_end(start: datetime, plan: Plan) -> datetime:
    """When a period of the plan that begins at `start` ends.

    Months are calendar months in Mexico City: from 31 January, one month ends on the last
    day of February at the same time of day.
    """
    if plan.duration_unit == DurationUnit.DAYS:
        return start + timedelta(days=plan.duration_value)
    local = ensure_utc(start).astimezone(MEXICO_CITY)
    months = local.month - 1 + plan.duration_value
    year, month = local.year + months // 12, months % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return ensure_utc(local.replace(year=year, month=month, day=day))


def days_left(ends_at: datetime | None, now: datetime) -> int:
    """Whole Mexico City days from today to the end date; 0 on the last day and after."""
    if ends_at is None:
        return 0
    return max(0, (business_date(ends_at) - business_date(now)).days)
