"""The sBG cohort model against the published fit of Fader and Hardie (2007)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cuenty.analytics.ml.cohort import NotEnoughHistory, fit_lifetimes, fit_survivors

# Fitted on years 1-7 of 1,000 customers per cohort (Fader and Hardie 2007).
PUBLISHED = {
    "regular_pct_alive": (0.704, 1.182),
    "high_end_pct_alive": (0.668, 3.806),
}


def _survivors(shared_data: Path, column: str) -> list[float]:
    path = shared_data / "retention" / "fader_hardie_2007_table1.csv"
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [float(row[column]) * 10 for row in rows if int(row["year"]) <= 7]


@pytest.mark.parametrize("column", sorted(PUBLISHED))
def test_sbg_reproduces_published_fit(shared_data: Path, column: str) -> None:
    fit = fit_survivors(_survivors(shared_data, column))
    alpha, beta = PUBLISHED[column]

    assert fit.alpha == pytest.approx(alpha, rel=0.01)
    assert fit.beta == pytest.approx(beta, rel=0.01)


def test_sbg_curve_tracks_later_years(shared_data: Path) -> None:
    """Years 8-12 were held out of the fit; the published model projects them closely."""
    path = shared_data / "retention" / "fader_hardie_2007_table1.csv"
    with path.open(newline="") as handle:
        actual = [float(row["regular_pct_alive"]) / 100 for row in csv.DictReader(handle)]
    fit = fit_survivors(_survivors(shared_data, "regular_pct_alive"))

    curve = fit.survival(12)

    assert curve[12] == pytest.approx(actual[12], abs=0.03)


def test_churn_probability_falls_with_renewals() -> None:
    fit = fit_survivors([1000, 631, 468, 382, 326, 289, 262, 241])

    assert fit.churn_probability(0) > fit.churn_probability(5)
    assert fit.churn_probability(0) == pytest.approx(1 - fit.survival(1)[1])


def test_remaining_renewals_grow_with_tenure() -> None:
    fit = fit_survivors([1000, 631, 468, 382, 326, 289, 262, 241])

    assert fit.expected_remaining_renewals(6) > fit.expected_remaining_renewals(0)
    assert fit.expected_lifetime() > 1


def test_mixed_cohort_ages_fit() -> None:
    fit = fit_lifetimes({1: 40, 2: 20, 3: 10}, {1: 20, 3: 30})

    assert 0 < fit.alpha
    assert fit.customers == 120


def test_tiny_cohort_is_not_enough() -> None:
    with pytest.raises(NotEnoughHistory):
        fit_lifetimes({1: 3}, {1: 2})


def test_increasing_survivors_rejected() -> None:
    with pytest.raises(ValueError, match="must not increase"):
        fit_survivors([100, 120, 90])
