"""Tests for cuenty.mexico.calendar: art. 74 holidays, bank holidays and business-day arithmetic."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cuenty.mexico.calendar import (
    BusinessCalendar,
    bank_holidays,
    banking_calendar,
    federal_calendar,
    holy_week_days,
    statutory_holidays,
)

HOLIDAYS_2026 = [
    date(2026, 1, 1),
    date(2026, 2, 2),
    date(2026, 3, 16),
    date(2026, 5, 1),
    date(2026, 9, 16),
    date(2026, 11, 16),
    date(2026, 12, 25),
]


def test_statutory_holidays_2026_exact() -> None:
    assert statutory_holidays(2026) == frozenset(HOLIDAYS_2026)


@pytest.mark.parametrize("day", HOLIDAYS_2026, ids=str)
def test_federal_2026_holiday_not_business_day(day: date) -> None:
    assert not federal_calendar().is_business_day(day)


def test_inauguration_2024_is_holiday() -> None:
    assert not federal_calendar().is_business_day(date(2024, 10, 1))


def test_october_first_2025_is_business_day() -> None:
    assert federal_calendar().is_business_day(date(2025, 10, 1))


def test_inauguration_2030_is_holiday() -> None:
    assert date(2030, 10, 1) in statutory_holidays(2030)


def test_inauguration_2018_was_december_first() -> None:
    assert date(2018, 12, 1) in statutory_holidays(2018)


def test_holy_week_2026() -> None:
    assert holy_week_days(2026) == (date(2026, 4, 2), date(2026, 4, 3))


@pytest.mark.parametrize("day", [date(2026, 4, 2), date(2026, 4, 3)], ids=str)
def test_holy_week_2026_is_bank_holiday(day: date) -> None:
    assert not banking_calendar().is_business_day(day)


@pytest.mark.parametrize("day", [date(2026, 4, 2), date(2026, 4, 3)], ids=str)
def test_holy_week_2026_is_federal_business_day(day: date) -> None:
    assert federal_calendar().is_business_day(day)


def test_november_second_2026_is_bank_holiday() -> None:
    assert not banking_calendar().is_business_day(date(2026, 11, 2))


def test_november_second_2026_is_federal_business_day() -> None:
    assert federal_calendar().is_business_day(date(2026, 11, 2))


def test_december_twelfth_2025_is_bank_holiday() -> None:
    assert not banking_calendar().is_business_day(date(2025, 12, 12))


def test_bank_holidays_include_statutory() -> None:
    assert statutory_holidays(2026) <= bank_holidays(2026)


def test_bank_holidays_2026_count() -> None:
    assert len(bank_holidays(2026)) == 11


@pytest.mark.parametrize("day", [date(2026, 4, 4), date(2026, 4, 5)], ids=str)
def test_weekend_not_business_day(day: date) -> None:
    assert not federal_calendar().is_business_day(day)


def test_ordinary_weekday_is_business_day() -> None:
    assert banking_calendar().is_business_day(date(2026, 4, 6))


def test_add_business_days_across_weekend_and_holiday() -> None:
    # Thursday 12 March 2026, then Friday 13, weekend, holiday Monday 16, Tuesday 17.
    assert federal_calendar().add_business_days(date(2026, 3, 12), 2) == date(2026, 3, 17)


def test_add_business_days_across_holy_week_in_banking() -> None:
    # Wednesday 1 April 2026; Thursday and Friday are bank holidays.
    assert banking_calendar().add_business_days(date(2026, 4, 1), 1) == date(2026, 4, 6)


def test_add_business_days_across_holy_week_in_federal() -> None:
    assert federal_calendar().add_business_days(date(2026, 4, 1), 1) == date(2026, 4, 2)


def test_add_business_days_from_saturday() -> None:
    assert federal_calendar().add_business_days(date(2026, 4, 4), 1) == date(2026, 4, 6)


def test_add_business_days_zero_is_same_day() -> None:
    assert federal_calendar().add_business_days(date(2026, 4, 4), 0) == date(2026, 4, 4)


def test_add_business_days_negative_raises() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        federal_calendar().add_business_days(date(2026, 4, 6), -1)


def test_add_business_days_across_year_end() -> None:
    # Thursday 24 December 2026; 25 is a holiday, then a weekend, then Monday 28.
    assert federal_calendar().add_business_days(date(2026, 12, 24), 1) == date(2026, 12, 28)


def test_add_twenty_business_days() -> None:
    # ARCO-style deadline: 20 días hábiles from Monday 2 March 2026, with 16 March off.
    assert federal_calendar().add_business_days(date(2026, 3, 2), 20) == date(2026, 3, 31)


def test_extra_day_respected() -> None:
    calendar = federal_calendar(extra_days=[date(2026, 4, 6)])
    assert not calendar.is_business_day(date(2026, 4, 6))


def test_extra_day_shifts_deadline() -> None:
    calendar = federal_calendar(extra_days=holy_week_days(2026))
    assert calendar.add_business_days(date(2026, 4, 1), 1) == date(2026, 4, 6)


def test_extra_day_in_banking_calendar() -> None:
    calendar = banking_calendar(extra_days=[date(2026, 4, 7)])
    assert calendar.add_business_days(date(2026, 4, 6), 1) == date(2026, 4, 8)


def test_next_business_day_on_or_after_business_day() -> None:
    assert federal_calendar().next_business_day_on_or_after(date(2026, 4, 6)) == date(2026, 4, 6)


def test_next_business_day_on_or_after_holiday() -> None:
    assert federal_calendar().next_business_day_on_or_after(date(2026, 5, 1)) == date(2026, 5, 4)


def test_business_day_after_business_day() -> None:
    assert federal_calendar().business_day_after(date(2026, 4, 6)) == date(2026, 4, 7)


def test_business_days_between_week() -> None:
    # Monday 30 March to Monday 6 April 2026: Tue-Fri plus Monday in the federal calendar.
    assert federal_calendar().business_days_between(date(2026, 3, 30), date(2026, 4, 6)) == 5


def test_business_days_between_week_banking() -> None:
    assert banking_calendar().business_days_between(date(2026, 3, 30), date(2026, 4, 6)) == 3


def test_business_days_between_same_day() -> None:
    assert federal_calendar().business_days_between(date(2026, 4, 6), date(2026, 4, 6)) == 0


def test_business_days_between_reversed_raises() -> None:
    with pytest.raises(ValueError, match="before start"):
        federal_calendar().business_days_between(date(2026, 4, 6), date(2026, 4, 1))


@pytest.mark.parametrize("count", [0, 1, 5, 20, 60])
def test_business_days_between_inverts_add(count: int) -> None:
    calendar = banking_calendar()
    start = date(2026, 3, 27)
    assert calendar.business_days_between(start, calendar.add_business_days(start, count)) == count


def test_holidays_fn_called_once_per_year() -> None:
    calls: list[int] = []

    def holidays_fn(year: int) -> frozenset[date]:
        calls.append(year)
        return frozenset()

    calendar = BusinessCalendar("test", holidays_fn)
    calendar.is_business_day(date(2026, 4, 6))
    calendar.is_business_day(date(2026, 4, 7))
    assert calls == [2026]


def test_calendar_without_business_days_raises() -> None:
    every_day = frozenset(date(2026, 1, 1) + timedelta(days=n) for n in range(400))
    calendar = BusinessCalendar("closed", lambda year: frozenset(), every_day)
    with pytest.raises(ValueError, match="no business day"):
        calendar.next_business_day_on_or_after(date(2026, 1, 1))
