"""Churn classifier: a logistic-regression baseline and a gradient-boosting model, both
calibrated, compared by cross-validation; the better one serves.

The input is a table of numeric features, one row per renewal decision, and a 0/1 label
(1 = did not renew). The same code trains on the platform's history and on a CSV export
(`cuenty analytics churn-backtest`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

LOGISTIC = "logistic_regression"
BOOSTING = "gradient_boosting"
MIN_EXAMPLES = 200
MIN_PER_CLASS = 20
# Isotonic calibration needs many examples per fold; below this, Platt (sigmoid) scaling.
ISOTONIC_MIN_EXAMPLES = 2000


class NotEnoughData(ValueError):
    """Raised when the history has too few renewal decisions, or too few of one outcome."""


@dataclass(frozen=True)
class ChurnDataset:
    features: pd.DataFrame
    labels: np.ndarray
    # Rows of one customer share a group, so cross-validation never tests a customer on
    # folds that trained on their other renewals.
    groups: np.ndarray | None = None
    # What one row is, for messages: renewal decisions here, customers in an exported table.
    unit: str = "renewal decisions"


@dataclass(frozen=True)
class ModelScore:
    name: str
    roc_auc: float
    brier: float


@dataclass
class ChurnModel:
    """The serving model fitted on every row, its bootstrap ensemble and both CV scores."""

    serving: str
    scores: list[ModelScore]
    sample_size: int
    positives: int
    feature_names: list[str]
    estimator: Any
    ensemble: list[Any]
    medians: dict[str, float]
    calibration: str

    def score(self, name: str) -> ModelScore:
        return next(score for score in self.scores if score.name == name)


@dataclass(frozen=True)
class ChurnScores:
    probabilities: np.ndarray
    confidences: np.ndarray
    factors: list[dict[str, float]]


def check_enough(dataset: ChurnDataset, *, min_examples: int, min_per_class: int) -> None:
    """Raise NotEnoughData unless both outcomes have enough examples to train and test."""
    examples = len(dataset.labels)
    positives = int(dataset.labels.sum())
    negatives = examples - positives
    if examples < min_examples:
        raise NotEnoughData(
            f"{examples} {dataset.unit}; at least {min_examples} are needed to train and test"
        )
    if min(positives, negatives) < min_per_class:
        raise NotEnoughData(
            f"{positives} churned and {negatives} renewed; "
            f"at least {min_per_class} of each are needed"
        )


def train(
    dataset: ChurnDataset,
    *,
    folds: int = 5,
    bootstrap_models: int = 10,
    seed: int = 0,
    min_examples: int = MIN_EXAMPLES,
    min_per_class: int = MIN_PER_CLASS,
) -> ChurnModel:
    """Cross-validate both models, then fit the better one (by ROC-AUC) on every row."""
    from threadpoolctl import threadpool_limits

    check_enough(dataset, min_examples=min_examples, min_per_class=min_per_class)
    # One OpenMP thread: on small tables (thousands of rows) gradient boosting spent most of
    # its time synchronizing threads, about 8 times slower on 2 cores.
    with threadpool_limits(limits=1, user_api="openmp"):
        return _train(dataset, folds, bootstrap_models, seed)


def _train(dataset: ChurnDataset, folds: int, bootstrap_models: int, seed: int) -> ChurnModel:
    calibration = "isotonic" if len(dataset.labels) >= ISOTONIC_MIN_EXAMPLES else "sigmoid"
    scores = [
        _cross_validate(name, dataset, folds=folds, seed=seed, calibration=calibration)
        for name in (LOGISTIC, BOOSTING)
    ]
    best = max(scores, key=lambda score: (score.roc_auc, -score.brier))
    features = dataset.features
    estimator = _calibrated(best.name, calibration, seed).fit(features, dataset.labels)
    ensemble = _bootstrap(best.name, dataset, bootstrap_models, seed, calibration)
    return ChurnModel(
        serving=best.name,
        scores=scores,
        sample_size=len(dataset.labels),
        positives=int(dataset.labels.sum()),
        feature_names=list(features.columns),
        estimator=estimator,
        ensemble=ensemble,
        medians={name: float(value) for name, value in features.median().fillna(0).items()},
        calibration=calibration,
    )


def predict(model: ChurnModel, features: pd.DataFrame, *, top_factors: int = 3) -> ChurnScores:
    """Score rows: calibrated probability, confidence from the ensemble's spread, and the
    features that raise each row's probability most, with their values."""
    import numpy as np

    features = features[model.feature_names]
    probabilities = model.estimator.predict_proba(features)[:, 1]
    confidences = np.ones(len(features))
    if model.ensemble:
        draws = np.column_stack([member.predict_proba(features)[:, 1] for member in model.ensemble])
        spread = np.quantile(draws, 0.9, axis=1) - np.quantile(draws, 0.1, axis=1)
        confidences = np.clip(1.0 - spread, 0.0, 1.0)
    contributions = occlusion_contributions(model, features, probabilities)
    factors = [
        _top_factors(features.iloc[row], contributions[row], model.feature_names, top_factors)
        for row in range(len(features))
    ]
    return ChurnScores(probabilities, confidences, factors)


def occlusion_contributions(
    model: ChurnModel, features: pd.DataFrame, probabilities: np.ndarray
) -> np.ndarray:
    """Compute how much each feature raises each row's probability: the probability minus
    the probability with that feature set to its training median."""
    import numpy as np

    contributions = np.zeros((len(features), len(model.feature_names)))
    for column, name in enumerate(model.feature_names):
        typical = features.copy()
        typical[name] = model.medians[name]
        contributions[:, column] = probabilities - model.estimator.predict_proba(typical)[:, 1]
    return contributions


def global_factors(
    model: ChurnModel, features: pd.DataFrame, top: int = 5
) -> list[tuple[str, float]]:
    """Features ranked by the mean absolute change they make to the probability."""
    import numpy as np

    features = features[model.feature_names]
    probabilities = model.estimator.predict_proba(features)[:, 1]
    mean_effect = np.abs(occlusion_contributions(model, features, probabilities)).mean(axis=0)
    ranked = sorted(zip(model.feature_names, mean_effect, strict=True), key=lambda item: -item[1])
    return [(name, float(effect)) for name, effect in ranked[:top]]


def _top_factors(
    row: pd.Series, contributions: np.ndarray, names: list[str], top: int
) -> dict[str, float]:
    order = sorted(range(len(names)), key=lambda index: -contributions[index])
    chosen = [index for index in order[:top] if contributions[index] > 0]
    return {names[index]: _plain(row.iloc[index]) for index in chosen}


def _plain(value: Any) -> float:
    number = float(value)
    return round(number, 4) if number == number else 0.0  # NaN means "never happened"


def _cross_validate(
    name: str, dataset: ChurnDataset, *, folds: int, seed: int, calibration: str
) -> ModelScore:
    from sklearn.metrics import brier_score_loss, roc_auc_score
    from sklearn.model_selection import cross_val_predict

    splitter = _splitter(dataset, folds, seed)
    probabilities = cross_val_predict(
        _calibrated(name, calibration, seed),
        dataset.features,
        dataset.labels,
        groups=dataset.groups,
        cv=splitter,
        method="predict_proba",
    )[:, 1]
    return ModelScore(
        name=name,
        roc_auc=float(roc_auc_score(dataset.labels, probabilities)),
        brier=float(brier_score_loss(dataset.labels, probabilities)),
    )


def _splitter(dataset: ChurnDataset, folds: int, seed: int) -> Any:
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    if dataset.groups is not None:
        return StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    return StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)


def _bootstrap(
    name: str, dataset: ChurnDataset, count: int, seed: int, calibration: str
) -> list[Any]:
    import numpy as np

    generator = np.random.default_rng(seed)
    members = []
    for member in range(count):
        rows = generator.integers(0, len(dataset.labels), len(dataset.labels))
        labels = dataset.labels[rows]
        if labels.min() == labels.max():
            continue
        estimator = _calibrated(name, calibration, seed + member + 1)
        members.append(estimator.fit(dataset.features.iloc[rows], labels))
    return members


def _calibrated(name: str, calibration: str, seed: int) -> Any:
    from sklearn.calibration import CalibratedClassifierCV

    return CalibratedClassifierCV(_estimator(name, seed), method=calibration, cv=3)


def _estimator(name: str, seed: int) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if name == LOGISTIC:
        return make_pipeline(
            SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression(max_iter=2000)
        )
    return HistGradientBoostingClassifier(
        learning_rate=0.1,
        max_iter=150,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        early_stopping=True,
        random_state=seed,
    )
