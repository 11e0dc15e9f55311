"""The daily prediction run on a synthetic history, and the routes that serve its rows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from cuenty.analytics.ml import daily
from cuenty.analytics.ml.daily import LOCK_KEY
from cuenty.analytics.ml.models import Prediction, PredictionRun, RunKind, RunStatus
from cuenty.analytics.ml.personal_data import ChurnPredictionData
from cuenty.analytics.ml.settings import MlSettings
from cuenty.analytics.ml.synthetic import generate
from cuenty.kit import locks
from cuenty.kit.db import transaction
from tests.commerce_support import person

NOW = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
SETTINGS = MlSettings(_env_file=None, bootstrap_models=2)  # type: ignore[call-arg]
CHURN = "/v1/analytics/predictions/churn"
REVENUE = "/v1/analytics/predictions/revenue"


async def _history(app: FastAPI, subscriptions: int) -> list[uuid.UUID]:
    async with transaction(app.state.session_factory) as session:
        generated = await generate(session, subscriptions=subscriptions, now=NOW, seed=5)
    return generated.refused


async def test_daily_run_trains_and_serves(client: httpx.AsyncClient, app: FastAPI) -> None:
    refused = await _history(app, 260)
    assert await daily.recompute(app.state.session_factory, now=NOW, settings=SETTINGS)
    staff = await person(client, "ops@example.com", "operations")

    response = await client.get(CHURN, params={"limit": 5}, headers=staff)

    assert response.status_code == 200, response.text
    body = response.json()
    model = body["model"]
    assert model["status"] == RunStatus.TRAINED.value
    assert model["sampleSize"] >= SETTINGS.min_examples
    assert {item["name"] for item in model["models"]} == {
        "logistic_regression",
        "gradient_boosting",
    }
    assert model["rocAuc"] > 0.6  # the synthetic signal is strong; chance is 0.5
    assert 0 < model["brierScore"] < 0.25
    assert model["trainedAt"].startswith("2026-12-05")
    probabilities = [item["churnProbability"] for item in body["predictions"]]
    assert probabilities == sorted(probabilities, reverse=True)
    assert len(probabilities) == 5
    assert body["next"] is not None
    first = body["predictions"][0]
    assert 0 <= first["confidenceScore"] <= 1
    assert isinstance(first["factors"], dict)
    async with app.state.session_factory() as session:
        scored = set(await session.scalars(select(Prediction.user_id)))
    assert scored
    assert not scored & set(refused)

    following = await client.get(body["next"], headers=staff)
    assert following.status_code == 200
    assert following.json()["predictions"][0]["churnProbability"] <= probabilities[-1]

    high = await client.get(CHURN, params={"minProbability": 0.5, "limit": 100}, headers=staff)
    assert all(item["churnProbability"] >= 0.5 for item in high.json()["predictions"])

    forecast = await client.get(REVENUE, headers=staff)
    assert forecast.status_code == 200, forecast.text
    revenue = forecast.json()
    assert revenue["method"] in {"ets", "ets_seasonal"}
    assert revenue["renewalModel"] == "sbg"
    low95, high95 = revenue["interval95"]
    low80, high80 = revenue["interval80"]
    assert low95 <= low80 <= revenue["predictedRevenue"] <= high80 <= high95
    assert revenue["historicalAverage"] > 0
    assert set(revenue["backtest"]) == {"mape", "mase", "coverage95", "origins"}
    assert round(revenue["predictedRevenue"], 2) == revenue["predictedRevenue"]

    quarter = await client.get(REVENUE, params={"horizon": "3m"}, headers=staff)
    assert quarter.json()["predictedRevenue"] > revenue["predictedRevenue"]
    days = await client.get(REVENUE, params={"horizon": "45d"}, headers=staff)
    assert revenue["predictedRevenue"] < days.json()["predictedRevenue"]


async def test_tiny_history_says_not_enough(client: httpx.AsyncClient, app: FastAPI) -> None:
    await _history(app, 6)
    assert await daily.recompute(app.state.session_factory, now=NOW, settings=SETTINGS)
    staff = await person(client, "ops@example.com", "operations")

    response = await client.get(CHURN, headers=staff)

    model = response.json()["model"]
    assert model["status"] == RunStatus.NOT_ENOUGH_DATA.value
    assert "at least" in model["message"]
    assert response.json()["predictions"] == []


async def test_short_history_falls_back_to_cohorts(client: httpx.AsyncClient, app: FastAPI) -> None:
    await _history(app, 40)
    assert await daily.recompute(app.state.session_factory, now=NOW, settings=SETTINGS)
    staff = await person(client, "ops@example.com", "operations")

    response = await client.get(CHURN, params={"limit": 100}, headers=staff)

    body = response.json()
    assert body["model"]["status"] == RunStatus.COHORT_FALLBACK.value
    assert body["model"]["serving"] == "sbg_cohort"
    assert body["model"]["message"]
    assert body["predictions"]
    assert all(0 < item["churnProbability"] < 1 for item in body["predictions"])


async def test_lease_held_skips_run(app: FastAPI) -> None:
    factory = app.state.session_factory
    lease = await locks.acquire(factory, LOCK_KEY, owner="otro", ttl=timedelta(minutes=5))
    assert lease is not None

    ran = await daily.recompute(factory, now=NOW, settings=SETTINGS)

    assert ran is False
    async with factory() as session:
        assert await session.scalar(select(func.count()).select_from(PredictionRun)) == 0


async def test_routes_need_staff(client: httpx.AsyncClient) -> None:
    customer = await person(client, "ana@example.com")

    assert (await client.get(CHURN)).status_code == 401
    assert (await client.get(CHURN, headers=customer)).status_code == 403
    assert (await client.get(REVENUE, headers=customer)).status_code == 403


async def test_api_key_with_analytics_read(client: httpx.AsyncClient) -> None:
    admin = await person(client, "admin@example.com", "admin")
    created = await client.post(
        "/v1/api-keys", json={"name": "tablero", "scopes": ["analytics:read"]}, headers=admin
    )
    other = await client.post(
        "/v1/api-keys", json={"name": "pedidos", "scopes": ["orders:read"]}, headers=admin
    )

    allowed = await client.get(CHURN, headers={"X-API-Key": created.json()["key"]})
    refused = await client.get(CHURN, headers={"X-API-Key": other.json()["key"]})

    assert allowed.status_code == 200
    assert allowed.json()["model"]["status"] == "not_computed"
    assert refused.status_code == 403


async def test_revenue_before_first_run(client: httpx.AsyncClient) -> None:
    staff = await person(client, "ops@example.com", "operations")

    response = await client.get(REVENUE, headers=staff)

    assert response.status_code == 503
    assert response.json()["code"] == "forecast_not_computed"


async def test_bad_query_values_rejected(client: httpx.AsyncClient) -> None:
    staff = await person(client, "ops@example.com", "operations")

    for params in ({"horizon": "13m"}, {"horizon": "0d"}, {"horizon": "2w"}):
        response = await client.get(REVENUE, params=params, headers=staff)
        assert response.status_code == 422, params
        assert response.json()["errors"][0]["parameter"] == "horizon"
    response = await client.get(CHURN, params={"minProbability": 1.5}, headers=staff)
    assert response.status_code == 422


async def test_predictions_in_export_and_suppressed(app: FastAPI) -> None:
    user_id, handler = uuid.uuid4(), ChurnPredictionData()
    async with transaction(app.state.session_factory) as session:
        run = PredictionRun(
            kind=RunKind.CHURN.value,
            status=RunStatus.TRAINED.value,
            model_version="churn-test",
            trained_at=NOW,
            sample_size=300,
            metrics={},
            result={},
        )
        session.add(run)
        await session.flush()
        session.add(
            Prediction(
                run_id=run.id,
                user_id=user_id,
                subscription_id=uuid.uuid4(),
                period_ends_at=NOW + timedelta(days=3),
                churn_probability=0.8,
                confidence_score=0.9,
                factors={"daysSinceLastSession": 40.0},
            )
        )

    async with transaction(app.state.session_factory) as session:
        exported = await handler.export(session, user_id)
        await handler.suppress(session, user_id)
    async with app.state.session_factory() as session:
        remaining = await session.scalar(
            select(func.count()).select_from(Prediction).where(Prediction.user_id == user_id)
        )

    assert exported["churnPredictions"][0]["churnProbability"] == 0.8
    assert exported["churnPredictions"][0]["modelVersion"] == "churn-test"
    assert remaining == 0
