"""Routes under /v1/analytics/predictions: stored churn scores and revenue forecasts.

They read what the daily run stored and never train, so an API worker never imports
scikit-learn, statsmodels or pandas.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from cuenty.analytics.ml import repository
from cuenty.analytics.ml.errors import ForecastNotComputedError
from cuenty.analytics.ml.models import Prediction, PredictionRun, RunKind
from cuenty.analytics.ml.schemas import (
    ChurnModelOut,
    ChurnPredictionOut,
    ChurnPredictionsOut,
    ModelScoreOut,
    RevenueBacktestOut,
    RevenuePredictionOut,
)
from cuenty.identity.access import Principal, require_access
from cuenty.kit.api import api_router, problem_responses
from cuenty.kit.deps import DbSession
from cuenty.kit.money import round_money
from cuenty.kit.pagination import PageParams, page_params, paginate

router = api_router(prefix="/v1/analytics/predictions", tags=["analytics"])

# Churn scores are profiling: staff who run the business, or their keys with analytics:read.
Reader = Annotated[
    Principal, Depends(require_access(roles=("operations", "admin"), scopes=("analytics:read",)))
]
Pages = Annotated[PageParams, Depends(page_params)]
DAYS_PER_MONTH = 365.25 / 12
HORIZON_PATTERN = r"^(?:(?:[1-9]|1[0-2])m|(?:[1-9]|[1-9]\d|[12]\d\d|3[0-5]\d|36[0-5])d)$"


@router.get(
    "/churn",
    response_model=ChurnPredictionsOut,
    summary="Probabilidad de no renovar de las suscripciones que vencen pronto",
    responses=problem_responses(401, 403),
)
async def churn_predictions(
    request: Request,
    session: DbSession,
    _principal: Reader,
    pages: Pages,
    min_probability: Annotated[
        float | None,
        Query(
            alias="minProbability", ge=0, le=1, description="Solo probabilidades desde este valor"
        ),
    ] = None,
) -> Any:
    run = await repository.latest_run(session, RunKind.CHURN.value)
    if run is None:
        return ChurnPredictionsOut(predictions=[], model=ChurnModelOut(status="not_computed"))
    rows, following = await paginate(
        session,
        repository.predictions_query(run.id, min_probability),
        key_columns=[Prediction.churn_probability, Prediction.id],
        params=pages,
        request=request,
        descending=True,
    )
    return ChurnPredictionsOut(
        predictions=[ChurnPredictionOut.model_validate(row) for row in rows],
        model=_model_block(run),
        next=following,
    )


@router.get(
    "/revenue",
    response_model=RevenuePredictionOut,
    summary="Ingreso neto esperado para el horizonte pedido, con intervalos",
    responses=problem_responses(401, 403, 503),
)
async def revenue_prediction(
    session: DbSession,
    _principal: Reader,
    horizon: Annotated[
        str,
        Query(
            pattern=HORIZON_PATTERN,
            description="Meses (1m a 12m) o días (1d a 365d); los días se interpolan entre "
            "los totales mensuales",
        ),
    ] = "1m",
) -> Any:
    run = await repository.latest_run(session, RunKind.REVENUE.value)
    if run is None:
        raise ForecastNotComputedError()
    months = int(horizon[:-1]) if horizon.endswith("m") else int(horizon[:-1]) / DAYS_PER_MONTH
    return _revenue_out(run, horizon, months)


def _model_block(run: PredictionRun) -> ChurnModelOut:
    metrics = run.metrics or {}
    models = [
        ModelScoreOut(name=item["name"], roc_auc=item["rocAuc"], brier_score=item["brier"])
        for item in metrics.get("models", [])
    ]
    serving = next((item for item in models if item.name == metrics.get("serving")), None)
    return ChurnModelOut(
        status=run.status,
        version=run.model_version,
        trained_at=run.trained_at,
        sample_size=run.sample_size,
        serving=metrics.get("serving"),
        calibration=metrics.get("calibration"),
        roc_auc=serving.roc_auc if serving else None,
        brier_score=serving.brier_score if serving else None,
        models=models,
        confidence_method=metrics.get("confidence"),
        message=metrics.get("reason"),
    )


def _revenue_out(run: PredictionRun, horizon: str, months: float) -> RevenuePredictionOut:
    result = run.result
    predicted = _cumulative(result["months"], months, lambda month: month["predicted"])
    low80 = _cumulative(result["months"], months, lambda month: month["interval80"][0])
    high80 = _cumulative(result["months"], months, lambda month: month["interval80"][1])
    low95 = _cumulative(result["months"], months, lambda month: month["interval95"][0])
    high95 = _cumulative(result["months"], months, lambda month: month["interval95"][1])
    half_width = (high80 - low80) / 2
    confidence = float(max(Decimal(0), 1 - half_width / predicted)) if predicted > 0 else 0.0
    return RevenuePredictionOut(
        predicted_revenue=predicted,
        confidence_score=round(confidence, 4),
        historical_average=_cents(Decimal(result["historicalAverage"]) * Decimal(str(months))),
        trend=Decimal(result["trend"]),
        interval80=[min(low80, predicted), max(high80, predicted)],
        interval95=[min(low95, low80, predicted), max(high95, high80, predicted)],
        method=result["method"],
        renewal_model=result["renewalModel"],
        horizon=horizon,
        history_months=result["historyMonths"],
        model_version=run.model_version,
        trained_at=run.trained_at,
        backtest=RevenueBacktestOut(**result["backtest"]),
    )


def _cumulative(stored: list[dict[str, Any]], months: float, pick: Any) -> Decimal:
    """Interpolate the stored cumulative total at `months`, linearly between whole months
    (0 at month 0)."""
    whole = min(math.floor(months), len(stored))
    below = Decimal(pick(stored[whole - 1])) if whole >= 1 else Decimal(0)
    if whole >= len(stored) or months == whole:
        return _cents(below)
    above = Decimal(pick(stored[whole]))
    return _cents(below + (above - below) * Decimal(str(months - whole)))


def _cents(value: Decimal) -> Decimal:
    return round_money(value)
