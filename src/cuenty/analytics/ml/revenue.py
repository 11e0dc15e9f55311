"""Monthly revenue forecast: expected renewals from the cohort model times plan prices, plus
new-customer revenue from a time-series model, with simulated prediction intervals.

The time-series method depends on the months of history: ETS with a 12-month season from
two full years, non-seasonal ETS (additive damped trend) from MIN_ETS_MONTHS, a random walk
with drift from MIN_DRIFT_MONTHS, and below that no model (renewals only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

SEASON_MONTHS = 12
MIN_ETS_MONTHS = 8
MIN_DRIFT_MONTHS = 2
SIMULATIONS = 2000
SEASONAL_ETS = "ets_seasonal"
ETS = "ets"
DRIFT = "drift"
NO_MODEL = "renewals_only"


@dataclass(frozen=True)
class Forecast:
    """Cumulative forecast for each horizon of 1 .. len(mean) months."""

    method: str
    mean: list[float]
    interval80: list[tuple[float, float]]
    interval95: list[tuple[float, float]]


@dataclass(frozen=True)
class Backtest:
    mape: float | None
    mase: float | None
    coverage95: float | None
    origins: int


def choose_method(months: int) -> str:
    if months >= 2 * SEASON_MONTHS:
        return SEASONAL_ETS
    if months >= MIN_ETS_MONTHS:
        return ETS
    if months >= MIN_DRIFT_MONTHS:
        return DRIFT
    return NO_MODEL


def simulate(history: Sequence[float], horizon: int, *, seed: int = 0) -> tuple[str, np.ndarray]:
    """Sample paths of the next `horizon` months (rows are simulations) by the method that
    the history length allows."""
    import numpy as np

    method = choose_method(len(history))
    values = np.asarray(history, dtype=float)
    if method == NO_MODEL:
        return method, np.zeros((SIMULATIONS, horizon))
    if method == DRIFT:
        return method, _drift_paths(values, horizon, seed)
    return method, _ets_paths(values, horizon, seasonal=method == SEASONAL_ETS, seed=seed)


def forecast(
    history: Sequence[float],
    horizon: int,
    *,
    renewal_mean: Sequence[float] = (),
    renewal_variance: Sequence[float] = (),
    seed: int = 0,
) -> Forecast:
    """Cumulative totals for 1 .. horizon months: simulated new-customer paths plus the
    expected renewal revenue, whose variance is added as a normal term."""
    import numpy as np

    method, paths = simulate(history, horizon, seed=seed)
    cumulative = np.cumsum(np.clip(paths, 0.0, None), axis=1)
    generator = np.random.default_rng(seed + 1)
    renewal_mean = _padded(renewal_mean, horizon)
    renewal_sd = np.sqrt(_padded(renewal_variance, horizon))
    noise = generator.standard_normal((cumulative.shape[0], 1))
    totals = cumulative + np.cumsum(renewal_mean) + noise * np.cumsum(renewal_sd)
    means = totals.mean(axis=0)
    return Forecast(
        method=method,
        mean=[float(value) for value in means],
        interval80=_bounds(totals, 0.10, 0.90),
        interval95=_bounds(totals, 0.025, 0.975),
    )


def backtest(history: Sequence[float], *, min_train: int = MIN_DRIFT_MONTHS + 1) -> Backtest:
    """One-month-ahead forecasts from rolling origins over the history: MAPE (months with
    zero revenue skipped), MASE (scaled by the in-sample naive one-month error) and the share
    of actual values inside the 95% interval."""
    import numpy as np

    values = np.asarray(history, dtype=float)
    errors, percentages, inside = [], [], []
    for origin in range(min_train, len(values)):
        _method, paths = simulate(values[:origin], 1, seed=origin)
        predicted = float(paths[:, 0].mean())
        low, high = np.quantile(paths[:, 0], [0.025, 0.975])
        actual = values[origin]
        errors.append(abs(actual - predicted))
        if actual != 0:
            percentages.append(abs(actual - predicted) / abs(actual))
        inside.append(low <= actual <= high)
    if not errors:
        return Backtest(None, None, None, 0)
    naive = np.abs(np.diff(values)).mean() if len(values) > 1 else 0.0
    return Backtest(
        mape=float(np.mean(percentages)) if percentages else None,
        mase=float(np.mean(errors) / naive) if naive > 0 else None,
        coverage95=float(np.mean(inside)),
        origins=len(errors),
    )


def trend_per_month(history: Sequence[float], months: int = SEASON_MONTHS) -> float:
    """Slope of a least-squares line through the last `months` months."""
    recent = list(history)[-months:]
    if len(recent) < 2:
        return 0.0
    count = len(recent)
    mean_x, mean_y = (count - 1) / 2, sum(recent) / count
    numerator = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(recent))
    denominator = sum((x - mean_x) ** 2 for x in range(count))
    return numerator / denominator


def _drift_paths(values: np.ndarray, horizon: int, seed: int) -> np.ndarray:
    """Random walk with drift: the last value plus the mean monthly change, with residual
    standard deviation growing as sqrt(h (1 + h / (T - 1))) (Hyndman and Athanasopoulos,
    Forecasting: Principles and Practice, section 5.5)."""
    import numpy as np

    changes = np.diff(values)
    drift = changes.mean()
    sigma = changes.std(ddof=1) if len(changes) > 1 else abs(drift) * 0.5
    steps = np.arange(1, horizon + 1)
    spread = sigma * np.sqrt(steps * (1 + steps / max(len(values) - 1, 1)))
    generator = np.random.default_rng(seed)
    return values[-1] + drift * steps + generator.standard_normal((SIMULATIONS, horizon)) * spread


def _ets_paths(values: np.ndarray, horizon: int, *, seasonal: bool, seed: int) -> np.ndarray:
    import warnings

    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    options: dict[str, Any] = {"error": "add", "trend": "add", "damped_trend": True}
    if seasonal:
        options.update(seasonal="add", seasonal_periods=SEASON_MONTHS)
    with warnings.catch_warnings():
        # Short series make the optimizer warn about convergence; the fit is still usable.
        warnings.simplefilter("ignore")
        fitted = ETSModel(values, **options).fit(disp=False, maxiter=2000)
        paths = fitted.simulate(
            nsimulations=horizon, repetitions=SIMULATIONS, anchor="end", rng=seed
        )
    return paths.T.reshape(SIMULATIONS, horizon)


def _padded(values: Sequence[float], horizon: int) -> np.ndarray:
    import numpy as np

    padded = np.zeros(horizon)
    given = list(values)[:horizon]
    padded[: len(given)] = given
    return padded


def _bounds(totals: np.ndarray, low: float, high: float) -> list[tuple[float, float]]:
    import numpy as np

    lows, highs = np.quantile(totals, [low, high], axis=0)
    return [(max(0.0, float(a)), max(0.0, float(b))) for a, b in zip(lows, highs, strict=True)]
