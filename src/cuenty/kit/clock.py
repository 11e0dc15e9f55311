"""Time: stored in UTC, while business dates (SPEI operation date, ARCO deadlines, daily
rollups) are Mexico City's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

MEXICO_CITY = ZoneInfo("America/Mexico_City")


def utc_now() -> datetime:
    return datetime.now(UTC)


def ensure_utc(moment: datetime) -> datetime:
    """Convert an aware datetime to UTC; a naive one is rejected rather than guessed."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: attach a time zone before converting to UTC")
    return moment.astimezone(UTC)


def to_mexico_city(moment: datetime) -> datetime:
    return ensure_utc(moment).astimezone(MEXICO_CITY)


def business_date(moment: datetime) -> date:
    """Return the calendar date in Mexico City at that instant."""
    return to_mexico_city(moment).date()


def start_of_business_day(day: date) -> datetime:
    """Return midnight of a Mexico City date, as an aware UTC datetime."""
    return datetime.combine(day, time.min, tzinfo=MEXICO_CITY).astimezone(UTC)
