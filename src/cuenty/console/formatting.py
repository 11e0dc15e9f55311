"""Formatting of money, numbers, dates and elapsed time for people in Mexico.

Money is always `$1,234.50 MXN`; dates and times are Mexico City's, in the page's language.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.dates import format_date, format_datetime, format_timedelta
from babel.numbers import format_decimal, format_percent

from cuenty.kit.clock import to_mexico_city, utc_now
from cuenty.kit.money import format_mxn


def babel_locale(locale: str) -> str:
    return "es_MX" if locale.lower().startswith("es") else "en_US"


def money(value: Any) -> str:
    amount = _decimal(value)
    return "" if amount is None else format_mxn(amount)


def number(value: Any, locale: str, digits: int = 0) -> str:
    amount = _decimal(value)
    if amount is None:
        return ""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(amount, format=pattern, locale=babel_locale(locale))


def percent(value: Any, locale: str, digits: int = 1) -> str:
    """Format a fraction (0.125) as a percentage (12.5 %)."""
    amount = _decimal(value)
    if amount is None:
        return ""
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + " %"
    return format_percent(amount, format=pattern, locale=babel_locale(locale))


def day(value: Any, locale: str) -> str:
    found = _moment(value)
    if found is None:
        return ""
    if isinstance(found, datetime):
        found = to_mexico_city(found).date()
    return format_date(found, format="d MMM y", locale=babel_locale(locale))


def moment(value: Any, locale: str) -> str:
    """Format a point in time on Mexico City's clock: `4 dic 2026, 09:30`."""
    found = _moment(value)
    if found is None:
        return ""
    if not isinstance(found, datetime):
        return day(found, locale)
    return format_datetime(
        to_mexico_city(found), format="d MMM y, HH:mm", locale=babel_locale(locale)
    )


def ago(value: Any, locale: str, now: datetime | None = None) -> str:
    """Elapsed time with its direction: `hace 3 minutos`, `3 minutes ago`."""
    found = _moment(value)
    if not isinstance(found, datetime):
        return ""
    elapsed = (found if found.tzinfo else found.replace(tzinfo=UTC)) - (now or utc_now())
    if abs(elapsed) < timedelta(minutes=1):
        elapsed = timedelta(minutes=-1) if elapsed <= timedelta(0) else timedelta(minutes=1)
    return format_timedelta(
        elapsed, granularity="minute", add_direction=True, locale=babel_locale(locale)
    )


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _moment(value: Any) -> date | datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    text = str(value)
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
