"""The daily computation of churn scores: history, features, training (or the cohort
fallback), consent filter, and the stored run. No HTTP; the caller owns the transaction."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.analytics.ml import churn, cohort, features, repository
from cuenty.analytics.ml.features import Candidate, Examples
from cuenty.analytics.ml.history import History
from cuenty.analytics.ml.models import PredictionRun, RunKind, RunStatus
from cuenty.analytics.ml.settings import MlSettings
from cuenty.compliance import consents
from cuenty.kit.clock import MEXICO_CITY

PURPOSE = "automated_decisions"


@dataclass
class ChurnOutcome:
    run: PredictionRun
    predictions: list[dict[str, Any]]
    # The pooled cohort fit, also used for the revenue forecast's renewals.
    pooled: cohort.SbgFit | None


async def compute_churn(
    session: AsyncSession, history: History, *, now: datetime, settings: MlSettings
) -> ChurnOutcome:
    """Train and score; the CPU work runs in a thread so the event loop keeps serving."""
    examples, candidates = features.build(
        history,
        now=now,
        lead=timedelta(days=settings.lead_days),
        grace=timedelta(days=settings.grace_days),
        horizon=timedelta(days=settings.horizon_days),
    )
    allowed = await _consenting(session, {candidate.user_id for candidate in candidates})
    candidates = [candidate for candidate in candidates if candidate.user_id in allowed]
    return await asyncio.to_thread(_train_and_score, examples, candidates, now, settings)


def fit_cohorts(
    lifetimes: list[tuple[int, bool, datetime]],
) -> tuple[cohort.SbgFit | None, dict[str, cohort.SbgFit]]:
    """Fit the sBG model on every subscription, and on each monthly signup cohort (Mexico
    City month of the first payment) that has enough customers."""
    groups: dict[str, list[tuple[int, bool]]] = defaultdict(list)
    for renewals, churned, first_paid in lifetimes:
        groups[first_paid.astimezone(MEXICO_CITY).strftime("%Y-%m")].append((renewals, churned))
    everyone = [item for items in groups.values() for item in items]
    pooled = _fit(everyone)
    by_cohort = {month: fit for month, items in groups.items() if (fit := _fit(items))}
    return pooled, by_cohort


def _train_and_score(
    examples: Examples, candidates: list[Candidate], now: datetime, settings: MlSettings
) -> ChurnOutcome:
    import numpy as np

    pooled, by_cohort = fit_cohorts(examples.lifetimes)
    cohorts = {
        month: {
            "alpha": fit.alpha,
            "beta": fit.beta,
            "customers": fit.customers,
            "expectedLifetime": fit.expected_lifetime(),
        }
        for month, fit in sorted(by_cohort.items())
    }
    dataset = churn.ChurnDataset(
        examples.frame(),
        np.asarray(examples.labels, dtype=int),
        np.asarray([hash(user) for user in examples.users]),
    )
    try:
        model = churn.train(
            dataset,
            bootstrap_models=settings.bootstrap_models,
            min_examples=settings.min_examples,
            min_per_class=settings.min_per_class,
        )
    except churn.NotEnoughData as reason:
        return _fallback(str(reason), examples, candidates, pooled, cohorts, now)
    predictions = _model_predictions(model, candidates)
    version = f"churn-{model.serving}-{now:%Y%m%dT%H%M}"
    metrics = {
        "serving": model.serving,
        "calibration": model.calibration,
        "positives": model.positives,
        "models": [
            {"name": score.name, "rocAuc": score.roc_auc, "brier": score.brier}
            for score in model.scores
        ],
        "cohorts": cohorts,
        "confidence": "bootstrap",
    }
    run = PredictionRun(
        kind=RunKind.CHURN.value,
        status=RunStatus.TRAINED.value,
        model_version=version,
        trained_at=now,
        sample_size=model.sample_size,
        metrics=metrics,
        result={},
    )
    return ChurnOutcome(run, predictions, pooled)


def _model_predictions(
    model: churn.ChurnModel, candidates: list[Candidate]
) -> list[dict[str, Any]]:
    import pandas as pd

    if not candidates:
        return []
    frame = pd.DataFrame(
        [c.features for c in candidates], columns=list(features.FEATURES), dtype=float
    )
    scores = churn.predict(model, frame)
    return [
        _prediction(candidate, float(probability), float(confidence), factors)
        for candidate, probability, confidence, factors in zip(
            candidates, scores.probabilities, scores.confidences, scores.factors, strict=True
        )
    ]


def _fallback(
    reason: str,
    examples: Examples,
    candidates: list[Candidate],
    pooled: cohort.SbgFit | None,
    cohorts: dict[str, Any],
    now: datetime,
) -> ChurnOutcome:
    """Score with the pooled sBG model (the chance of churning at the next renewal given the
    renewals already made), or score nothing when even that cannot be fitted."""
    metrics: dict[str, Any] = {"reason": reason, "cohorts": cohorts, "models": []}
    if pooled is None:
        run = PredictionRun(
            kind=RunKind.CHURN.value,
            status=RunStatus.NOT_ENOUGH_DATA.value,
            model_version=f"churn-none-{now:%Y%m%dT%H%M}",
            trained_at=now,
            sample_size=len(examples.labels),
            metrics=metrics,
            result={},
        )
        return ChurnOutcome(run, [], None)
    metrics.update(
        serving="sbg_cohort",
        alpha=pooled.alpha,
        beta=pooled.beta,
        confidence="sbg_bootstrap",
    )
    spreads = _sbg_spread(examples.lifetimes, max((c.renewals_done for c in candidates), default=0))
    predictions = [
        _prediction(
            candidate,
            pooled.churn_probability(candidate.renewals_done),
            spreads.get(candidate.renewals_done, 0.0),
            {},
        )
        for candidate in candidates
    ]
    run = PredictionRun(
        kind=RunKind.CHURN.value,
        status=RunStatus.COHORT_FALLBACK.value,
        model_version=f"churn-sbg-{now:%Y%m%dT%H%M}",
        trained_at=now,
        sample_size=pooled.customers,
        metrics=metrics,
        result={},
    )
    return ChurnOutcome(run, predictions, pooled)


def _sbg_spread(
    lifetimes: list[tuple[int, bool, datetime]], max_renewals: int, draws: int = 30
) -> dict[int, float]:
    """Confidence of the cohort model's probability at each renewal count: one minus the
    10-90% spread over fits to bootstrap resamples of the subscriptions."""
    import numpy as np

    generator = np.random.default_rng(0)
    items = [(renewals, churned) for renewals, churned, _ in lifetimes]
    samples: dict[int, list[float]] = defaultdict(list)
    for _ in range(draws):
        picked = [items[index] for index in generator.integers(0, len(items), len(items))]
        fit = _fit(picked)
        if fit is None:
            continue
        for renewals in range(max_renewals + 1):
            samples[renewals].append(fit.churn_probability(renewals))
    return {
        renewals: float(max(0.0, 1.0 - (np.quantile(values, 0.9) - np.quantile(values, 0.1))))
        for renewals, values in samples.items()
    }


def _fit(items: list[tuple[int, bool]]) -> cohort.SbgFit | None:
    churned_at: dict[int, float] = defaultdict(float)
    censored_at: dict[int, float] = defaultdict(float)
    for renewals, churned in items:
        if churned:
            churned_at[renewals + 1] += 1
        else:
            censored_at[renewals] += 1
    try:
        return cohort.fit_lifetimes(dict(churned_at), dict(censored_at))
    except cohort.NotEnoughHistory:
        return None


def _prediction(
    candidate: Candidate, probability: float, confidence: float, factors: dict[str, float]
) -> dict[str, Any]:
    return {
        "user_id": candidate.user_id,
        "subscription_id": candidate.subscription_id,
        "period_ends_at": candidate.ends_at,
        "churn_probability": round(probability, 6),
        "confidence_score": round(confidence, 6),
        "factors": factors,
    }


async def _consenting(session: AsyncSession, user_ids: set[uuid.UUID]) -> set[uuid.UUID]:
    """Users whose data may be used for automated decisions (churn scoring is profiling)."""
    return {user_id for user_id in user_ids if await consents.allows(session, user_id, PURPOSE)}


async def store_churn(session: AsyncSession, outcome: ChurnOutcome, settings: MlSettings) -> None:
    await repository.add_run(session, outcome.run, outcome.predictions)
    await repository.delete_old_runs(session, RunKind.CHURN.value, settings.keep_runs)
