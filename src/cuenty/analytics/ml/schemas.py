"""Response bodies of the prediction routes (camelCase on the wire)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from cuenty.kit.api import ApiModel
from cuenty.kit.money import Money


class ChurnPredictionOut(ApiModel):
    user_id: uuid.UUID
    subscription_id: uuid.UUID
    period_ends_at: datetime = Field(description="Fin del periodo que se renovaría")
    churn_probability: float = Field(ge=0, le=1, examples=[0.85])
    confidence_score: float = Field(ge=0, le=1, examples=[0.75])
    factors: dict[str, float] = Field(
        description="Variables que más elevan la probabilidad de este usuario, con su valor",
        examples=[{"daysSinceLastSession": 45, "avgTimeOnSite": 30, "conversions": 0}],
    )


class ModelScoreOut(ApiModel):
    name: str = Field(examples=["gradient_boosting"])
    roc_auc: float = Field(examples=[0.84])
    brier_score: float = Field(examples=[0.13])


class ChurnModelOut(ApiModel):
    status: str = Field(
        description="trained, cohort_fallback (poco historial: modelo de cohortes sBG), "
        "not_enough_data (sin predicciones) o not_computed (aún no hay cálculo diario)",
        examples=["trained"],
    )
    version: str | None = Field(default=None, examples=["churn-gradient_boosting-20261205T0930"])
    trained_at: datetime | None = None
    sample_size: int = Field(default=0, description="Decisiones de renovación de entrenamiento")
    serving: str | None = Field(default=None, examples=["gradient_boosting"])
    calibration: str | None = Field(default=None, examples=["isotonic"])
    roc_auc: float | None = Field(default=None, description="Del modelo que sirve, por CV")
    brier_score: float | None = None
    models: list[ModelScoreOut] = Field(default_factory=list)
    confidence_method: str | None = Field(default=None, examples=["bootstrap"])
    message: str | None = Field(default=None, description="Por qué no se entrenó el clasificador")


class ChurnPredictionsOut(ApiModel):
    predictions: list[ChurnPredictionOut]
    model: ChurnModelOut
    next: str | None = Field(default=None, description="Enlace a la página siguiente")


class RevenueBacktestOut(ApiModel):
    mape: float | None = Field(description="Error porcentual absoluto medio, a un mes")
    mase: float | None = Field(description="Error absoluto escalado por el ingenuo mensual")
    coverage95: float | None = Field(description="Parte de meses reales dentro del 95%")
    origins: int = Field(description="Orígenes móviles evaluados")


class RevenuePredictionOut(ApiModel):
    predicted_revenue: Money = Field(examples=[280000.0])
    confidence_score: float = Field(ge=0, le=1, examples=[0.65])
    historical_average: Money = Field(
        description="Promedio mensual neto (hasta 12 meses) por la duración del horizonte",
        examples=[250000.0],
    )
    trend: Money = Field(description="Cambio mensual del ingreso neto (MXN por mes)")
    interval80: list[Money] = Field(min_length=2, max_length=2)
    interval95: list[Money] = Field(min_length=2, max_length=2)
    method: str = Field(
        description="ets_seasonal, ets, drift o renewals_only (historial insuficiente)",
        examples=["ets"],
    )
    renewal_model: str = Field(description="sbg, renewal_rate o none", examples=["sbg"])
    horizon: str = Field(examples=["1m"])
    history_months: int
    model_version: str
    trained_at: datetime
    backtest: RevenueBacktestOut
