"""ARCO deadlines in días hábiles on the federal calendar (LFPDPPP 2025, art. 31).

The answer is due 20 business days after receipt; a granted request is carried out within
15 business days of the answer; each may be extended once by an equal period.
"""

from __future__ import annotations

from datetime import date, datetime

from cuenty.config import Settings
from cuenty.kit.clock import business_date
from cuenty.mexico.calendar import BusinessCalendar, federal_calendar

ANSWER_BUSINESS_DAYS = 20
EXECUTION_BUSINESS_DAYS = 15

_calendars: dict[tuple[date, ...], BusinessCalendar] = {}


def calendar_for(settings: Settings) -> BusinessCalendar:
    """Return the federal calendar with the configured extra non-working days (cached)."""
    key = tuple(sorted(settings.compliance_extra_non_business_days))
    found = _calendars.get(key)
    if found is None:
        found = federal_calendar(key)
        _calendars[key] = found
    return found


def answer_due(calendar: BusinessCalendar, received_at: datetime) -> date:
    """Return the last day to answer a request received (or completed) at that instant."""
    return calendar.add_business_days(business_date(received_at), ANSWER_BUSINESS_DAYS)


def execution_due(calendar: BusinessCalendar, answered_at: datetime) -> date:
    return calendar.add_business_days(business_date(answered_at), EXECUTION_BUSINESS_DAYS)


def extend(calendar: BusinessCalendar, due: date, business_days: int) -> date:
    """Return a deadline extended by an equal number of business days."""
    return calendar.add_business_days(due, business_days)


def business_days_left(calendar: BusinessCalendar, today: date, due: date) -> int:
    """Return business days from today to the due date; negative when overdue."""
    if due >= today:
        return calendar.business_days_between(today, due)
    return -calendar.business_days_between(due, today)


def deadline_status(calendar: BusinessCalendar, today: date, due: date, alert_days: int) -> str:
    """Classify a running deadline as the queue filters and the daily alert do.

    Returns "overdue" when `due` is before today, "due_soon" when it falls within
    `alert_days` business days of today, and "on_time" otherwise.
    """
    if due < today:
        return "overdue"
    if due <= calendar.add_business_days(today, alert_days):
        return "due_soon"
    return "on_time"
