"""ARCO deadlines in federal business days, across holidays and configured extra days."""

from __future__ import annotations

from datetime import UTC, date, datetime

from cuenty.compliance import deadlines
from cuenty.mexico.calendar import federal_calendar


def test_answer_due_skips_independence_day() -> None:
    # Thursday 10 September 2026; 16 September (Wednesday) is a rest day.
    received = datetime(2026, 9, 10, 18, 0, tzinfo=UTC)
    assert deadlines.answer_due(federal_calendar(), received) == date(2026, 10, 9)


def test_answer_due_skips_revolution_day() -> None:
    # Monday 9 November 2026; the third Monday of November (16th) is a rest day.
    received = datetime(2026, 11, 9, 18, 0, tzinfo=UTC)
    assert deadlines.answer_due(federal_calendar(), received) == date(2026, 12, 8)


def test_receipt_date_is_mexico_city_date() -> None:
    # 03:00 UTC on 11 September is still 10 September in Mexico City.
    late_evening = datetime(2026, 9, 11, 3, 0, tzinfo=UTC)
    assert deadlines.answer_due(federal_calendar(), late_evening) == date(2026, 10, 9)


def test_extra_days_push_the_deadline() -> None:
    received = datetime(2026, 9, 10, 18, 0, tzinfo=UTC)
    calendar = federal_calendar([date(2026, 10, 5)])
    assert deadlines.answer_due(calendar, received) == date(2026, 10, 12)


def test_execution_due_is_fifteen_business_days() -> None:
    answered = datetime(2026, 12, 8, 18, 0, tzinfo=UTC)
    # 25 December is a rest day; 15 business days after 8 December is 30 December.
    assert deadlines.execution_due(federal_calendar(), answered) == date(2026, 12, 30)


def test_business_days_left_is_negative_when_overdue() -> None:
    calendar = federal_calendar()
    assert deadlines.business_days_left(calendar, date(2026, 10, 12), date(2026, 10, 9)) == -1
