"""The revenue forecast: method by history length, intervals and the rolling backtest."""

from __future__ import annotations

import numpy as np
import pytest

from cuenty.analytics.ml import revenue


def _seasonal(months: int) -> list[float]:
    steps = np.arange(months)
    rng = np.random.default_rng(0)
    return list(
        100_000
        + 1_500 * steps
        + 9_000 * np.sin(2 * np.pi * steps / 12)
        + rng.normal(0, 2_000, months)
    )


@pytest.mark.parametrize(
    ("months", "method"),
    [(1, revenue.NO_MODEL), (5, revenue.DRIFT), (12, revenue.ETS), (30, revenue.SEASONAL_ETS)],
)
def test_method_follows_history_length(months: int, method: str) -> None:
    forecast = revenue.forecast(_seasonal(months), 1)

    assert forecast.method == method


def test_short_history_uses_drift() -> None:
    forecast = revenue.forecast([100.0, 110.0, 120.0], 2)

    assert forecast.method == revenue.DRIFT
    assert forecast.mean[0] == pytest.approx(130.0, rel=0.01)


@pytest.mark.parametrize("months", [5, 14, 30])
def test_interval80_inside_interval95(months: int) -> None:
    forecast = revenue.forecast(
        _seasonal(months), 6, renewal_mean=[5_000.0] * 6, renewal_variance=[1e6] * 6
    )

    for mean, (low80, high80), (low95, high95) in zip(
        forecast.mean, forecast.interval80, forecast.interval95, strict=True
    ):
        assert low95 <= low80 <= mean <= high80 <= high95


def test_renewals_only_without_history() -> None:
    forecast = revenue.forecast([], 2, renewal_mean=[1_000.0, 500.0], renewal_variance=[0, 0])

    assert forecast.method == revenue.NO_MODEL
    assert forecast.mean == pytest.approx([1_000.0, 1_500.0])


def test_backtest_on_linear_series_is_exact() -> None:
    result = revenue.backtest([100.0, 110.0, 120.0, 130.0, 140.0])

    assert result.origins == 2
    assert result.mape == pytest.approx(0.0, abs=1e-9)
    assert result.mase == pytest.approx(0.0, abs=1e-9)


def test_backtest_metrics_on_known_jump() -> None:
    # From [100, 100] the drift forecast is 100 with no spread; the actual is 200.
    result = revenue.backtest([100.0, 100.0, 200.0], min_train=2)

    assert result.mape == pytest.approx(0.5)
    assert result.mase == pytest.approx(2.0)  # error 100 / mean naive error (0 + 100) / 2
    assert result.coverage95 == 0.0


def test_backtest_needs_origins() -> None:
    result = revenue.backtest([100.0])

    assert result.origins == 0
    assert result.mape is None


def test_trend_of_straight_line() -> None:
    assert revenue.trend_per_month([10.0, 20.0, 30.0]) == pytest.approx(10.0)
