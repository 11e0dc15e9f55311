"""UTC storage and Mexico City business dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cuenty.kit.clock import business_date, ensure_utc, start_of_business_day


def test_evening_in_mexico_city_is_previous_utc_day() -> None:
    # 02:30 UTC on 5 December is 20:30 on 4 December in Mexico City (UTC-6, no DST since 2022).
    assert business_date(datetime(2026, 12, 5, 2, 30, tzinfo=UTC)) == date(2026, 12, 4)


def test_start_of_business_day_is_six_utc() -> None:
    assert start_of_business_day(date(2026, 7, 1)) == datetime(2026, 7, 1, 6, 0, tzinfo=UTC)


def test_naive_datetime_is_rejected() -> None:
    with pytest.raises(ValueError, match="naive"):
        ensure_utc(datetime(2026, 1, 1))
