"""The 95% prediction interval of a metric over a window, from a non-seasonal ETS model fitted
on its daily history (statsmodels, imported here only when a forecast rule is evaluated)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cuenty.kit.i18n import N_

# Fewer days than this and no interval is computed: two weeks is the least history in which
# an exponential smoothing level settles, and twice the window at the least.
MIN_HISTORY_DAYS = 14
SIMULATIONS = 2000
# Fixed, so that one history always gives the same bounds.
SIMULATION_SEED = 20261205


@dataclass(frozen=True)
class Interval:
    lower: float
    upper: float
    history_days: int


class InsufficientHistoryError(ValueError):
    """Raised when the metric has too few days of history for a forecast."""

    # Message id of the reason stored with the evaluation and translated when it is read.
    reason = N_("Needs {needed} days of history, has {available}.")

    def __init__(self, needed: int, available: int) -> None:
        super().__init__(f"needs {needed} days of history, has {available}")
        self.needed = needed
        self.available = available


def needed_history(window_days: int) -> int:
    return max(MIN_HISTORY_DAYS, 2 * window_days)


def window_interval(history: Sequence[float], window_days: int, *, mean: bool = False) -> Interval:
    """Return the 95% interval of the window's total (or mean, for rates) of daily values.

    Fits ETS(A,N,N) and simulates the next `window_days` days; the interval contains 95% of the
    simulated totals, so it widens with the window as the daily errors add up.
    """
    needed = needed_history(window_days)
    if len(history) < needed:
        raise InsufficientHistoryError(needed, len(history))

    import numpy as np
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    series = np.asarray(history, dtype=float)
    if np.ptp(series) == 0:
        # A constant series has no error to fit; its forecast is the constant itself.
        value = float(series[0]) * (1 if mean else window_days)
        return Interval(value, value, len(history))
    model = ETSModel(series, error="add", trend=None, seasonal=None)
    fitted = model.fit(disp=False)
    paths = fitted.simulate(
        nsimulations=window_days,
        repetitions=SIMULATIONS,
        anchor="end",
        rng=np.random.default_rng(SIMULATION_SEED),
    )
    paths = np.asarray(paths).reshape(window_days, SIMULATIONS)
    totals = paths.mean(axis=0) if mean else paths.sum(axis=0)
    lower, upper = np.quantile(totals, [0.025, 0.975])
    return Interval(float(lower), float(upper), len(history))
