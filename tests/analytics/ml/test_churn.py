"""The churn classifiers on synthetic tables with a known signal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cuenty.analytics.ml import churn


def _dataset(rows: int, seed: int = 1) -> churn.ChurnDataset:
    rng = np.random.default_rng(seed)
    features = pd.DataFrame(
        {
            "daysSinceLastSession": rng.exponential(20, rows),
            "conversions": rng.poisson(2, rows).astype(float),
            "noise": rng.normal(size=rows),
        }
    )
    logit = -1.5 + 0.06 * features["daysSinceLastSession"] - 0.5 * features["conversions"]
    labels = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    return churn.ChurnDataset(features, labels, groups=np.arange(rows) // 2)


@pytest.fixture(scope="module")
def model() -> churn.ChurnModel:
    return churn.train(_dataset(1200), folds=4, bootstrap_models=3)


def test_known_signal_beats_chance(model: churn.ChurnModel) -> None:
    for score in model.scores:
        assert score.roc_auc > 0.7, score


def test_both_models_reported(model: churn.ChurnModel) -> None:
    names = {score.name for score in model.scores}

    assert names == {churn.LOGISTIC, churn.BOOSTING}
    assert model.serving in names


def test_brier_better_than_base_rate(model: churn.ChurnModel) -> None:
    rate = model.positives / model.sample_size
    base_brier = rate * (1 - rate)

    assert model.score(model.serving).brier < base_brier


def test_factors_name_raising_features(model: churn.ChurnModel) -> None:
    idle = pd.DataFrame({"daysSinceLastSession": [120.0], "conversions": [0.0], "noise": [0.0]})

    scores = churn.predict(model, idle)

    assert "daysSinceLastSession" in scores.factors[0]
    assert scores.factors[0]["daysSinceLastSession"] == 120.0
    assert scores.probabilities[0] > 0.5


def test_confidence_between_zero_and_one(model: churn.ChurnModel) -> None:
    scores = churn.predict(model, _dataset(50, seed=7).features)

    assert scores.confidences.min() >= 0
    assert scores.confidences.max() <= 1


def test_tiny_history_not_enough() -> None:
    with pytest.raises(churn.NotEnoughData, match="renewal decisions"):
        churn.train(_dataset(30))


def test_one_outcome_only_not_enough() -> None:
    dataset = _dataset(400)
    labels = np.zeros_like(dataset.labels)
    labels[:5] = 1

    with pytest.raises(churn.NotEnoughData, match="churned"):
        churn.train(churn.ChurnDataset(dataset.features, labels))
