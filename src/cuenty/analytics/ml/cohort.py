"""Shifted-beta-geometric (sBG) retention model, fitted by maximum likelihood.

Each customer has a constant per-period churn probability drawn from Beta(alpha, beta), and
churns at period t = 1, 2, ... (Fader and Hardie, "How to Project Customer Retention",
Journal of Interactive Marketing 21(1), 2007):

    P(T = 1) = alpha / (alpha + beta)
    P(T = t) = (beta + t - 2) / (alpha + beta + t - 1) * P(T = t - 1)
    S(t)     = (beta + t - 1) / (alpha + beta + t - 1) * S(t - 1),  S(0) = 1
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

# Lifetimes are summed over this many periods, because with alpha <= 1 the sBG mean
# lifetime is infinite; 60 monthly periods are five years.
LIFETIME_HORIZON_PERIODS = 60
MIN_CUSTOMERS = 20


class NotEnoughHistory(ValueError):
    """Raised when there are too few customers or periods to fit the model."""


@dataclass(frozen=True)
class SbgFit:
    alpha: float
    beta: float
    customers: int
    log_likelihood: float

    def survival(self, periods: int) -> list[float]:
        """S(0) .. S(periods): share of a cohort still active after each period."""
        return survival_curve(self.alpha, self.beta, periods)

    def churn_probability(self, renewals_done: int) -> float:
        """Chance that a customer who has survived `renewals_done` renewals churns at the
        next one: P(T = t | T >= t) with t = renewals_done + 1."""
        t = renewals_done + 1
        return self.alpha / (self.alpha + self.beta + t - 1)

    def expected_lifetime(self, horizon: int = LIFETIME_HORIZON_PERIODS) -> float:
        """Expected periods a new customer stays, counted up to `horizon` periods."""
        return sum(self.survival(horizon - 1))

    def expected_remaining_renewals(
        self, renewals_done: int, horizon: int = LIFETIME_HORIZON_PERIODS
    ) -> float:
        """Expected further renewals of a customer still active after `renewals_done`
        renewals, counted up to `horizon` more periods: sum of S(n + k) / S(n)."""
        curve = self.survival(renewals_done + horizon)
        alive = curve[renewals_done]
        return sum(curve[renewals_done + k] / alive for k in range(1, horizon + 1))


def survival_curve(alpha: float, beta: float, periods: int) -> list[float]:
    curve = [1.0]
    for t in range(1, periods + 1):
        curve.append(curve[-1] * (beta + t - 1) / (alpha + beta + t - 1))
    return curve


def fit_survivors(survivors: Sequence[float]) -> SbgFit:
    """Fit on a cohort's counts still active at periods 0, 1, ..., n (all observed to n)."""
    if len(survivors) < 2:
        raise NotEnoughHistory("at least two periods of survivors are needed")
    if any(later > earlier for earlier, later in pairwise(survivors)):
        raise ValueError("survivor counts must not increase from one period to the next")
    churned_at = {t: survivors[t - 1] - survivors[t] for t in range(1, len(survivors))}
    censored_at = {len(survivors) - 1: survivors[-1]}
    return fit_lifetimes(churned_at, censored_at)


def fit_lifetimes(churned_at: dict[int, float], censored_at: dict[int, float]) -> SbgFit:
    """Fit on counts of customers who churned at period t (t >= 1) and counts still active
    when last observed after t periods (t >= 0); cohorts of different ages can be mixed."""
    from scipy.optimize import minimize

    customers = sum(churned_at.values()) + sum(censored_at.values())
    if customers < MIN_CUSTOMERS:
        raise NotEnoughHistory(f"{customers:g} customers; at least {MIN_CUSTOMERS} are needed")
    observed = [t for t, n in churned_at.items() if n] + [t for t, n in censored_at.items() if n]
    if max(observed, default=0) < 1:
        raise NotEnoughHistory("no customer has been observed for a whole period")
    last = max(observed)

    def negative_log_likelihood(log_params: Sequence[float]) -> float:
        alpha, beta = math.exp(log_params[0]), math.exp(log_params[1])
        churn = _churn_probabilities(alpha, beta, last)
        curve = survival_curve(alpha, beta, last)
        total = sum(n * math.log(churn[t]) for t, n in churned_at.items() if n)
        total += sum(n * math.log(curve[t]) for t, n in censored_at.items() if n)
        return -total

    best = minimize(
        negative_log_likelihood,
        x0=[0.0, 0.0],
        method="Nelder-Mead",
        options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000},
    )
    alpha, beta = math.exp(best.x[0]), math.exp(best.x[1])
    return SbgFit(alpha, beta, int(customers), -float(best.fun))


def _churn_probabilities(alpha: float, beta: float, periods: int) -> list[float]:
    """P(T = t) for t = 0 .. periods (index 0 unused)."""
    probabilities = [0.0, alpha / (alpha + beta)]
    for t in range(2, periods + 1):
        probabilities.append(probabilities[-1] * (beta + t - 2) / (alpha + beta + t - 1))
    return probabilities
