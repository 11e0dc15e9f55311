"""Data behind the dashboard tests: platform events for March 2026 with a rollup refresh,
stored predictions and a KPI alert firing, written as the analytics jobs write them."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.analytics.ml.models import Prediction, PredictionRun, RunKind, RunStatus
from cuenty.analytics.rollups.models import KpiAlertFiring, KpiAlertRule
from cuenty.catalog.models import CatalogService
from cuenty.kit.clock import utc_now
from cuenty.kit.db import transaction
from tests.analytics.rollup_support import event, refresh, store

PAGE = "/console/tablero?startDate=2026-03-01&endDate=2026-03-31"
# Jalisco has 190.00 paid minus 45.50 returned, Ciudad de México 40.25, no state 0.
JALISCO_REVENUE = Decimal("144.50")


async def seed_march(app: FastAPI, engine: AsyncEngine) -> None:
    """Store a month of events in three states and one service, then refresh the rollups."""
    async with transaction(app.state.session_factory) as session:
        netflix = CatalogService(name="Netflix", category="streaming")
        session.add(netflix)
    ana, beto, carla = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    jalisco = {"user_id": ana, "state_code": "MX-JAL"}
    await store(
        engine,
        event("page_view", "2026-03-01T10:00:00-06:00", **jalisco),
        event("signup", "2026-03-01T10:05:00-06:00", **jalisco),
        event(
            "payment",
            "2026-03-01T11:00:00-06:00",
            amount="190.00",
            service_id=netflix.id,
            **jalisco,
        ),
        event(
            "payment_returned",
            "2026-03-03T11:00:00-06:00",
            amount="-45.50",
            service_id=netflix.id,
            **jalisco,
        ),
        event("page_view", "2026-03-02T09:00:00-06:00", user_id=beto, state_code="MX-CMX"),
        event(
            "payment",
            "2026-03-02T09:30:00-06:00",
            user_id=beto,
            amount="40.25",
            state_code="MX-CMX",
        ),
        event("page_view", "2026-03-02T09:00:00-06:00", user_id=carla),
    )
    await refresh(engine)


def revenue_run(months: int = 12) -> PredictionRun:
    """A stored revenue forecast growing by 1,000 MXN a month, with 80 % and 95 % intervals."""
    backtest = {"mape": 0.1, "mase": 0.8, "coverage95": 0.9, "origins": 4}
    result: dict[str, Any] = {
        "method": "ets",
        "renewalModel": "sbg",
        "historyMonths": 10,
        "historicalAverage": "1000.00",
        "trend": "25.00",
        "months": [
            {
                "predicted": f"{1000 * month}.00",
                "interval80": [f"{900 * month}.00", f"{1100 * month}.00"],
                "interval95": [f"{800 * month}.00", f"{1200 * month}.00"],
            }
            for month in range(1, months + 1)
        ],
        "backtest": backtest,
    }
    return PredictionRun(
        kind=RunKind.REVENUE.value,
        status=RunStatus.TRAINED.value,
        model_version="revenue-ets-sbg-test",
        trained_at=utc_now(),
        sample_size=10,
        metrics={"backtest": backtest},
        result=result,
    )


async def store_predictions(app: FastAPI) -> uuid.UUID:
    """Store a revenue forecast and one churn score, and return the scored subscription's id."""
    subscription_id = uuid.uuid4()
    async with transaction(app.state.session_factory) as session:
        session.add(revenue_run())
        churn = PredictionRun(
            kind=RunKind.CHURN.value,
            status=RunStatus.TRAINED.value,
            model_version="churn-gradient_boosting-test",
            trained_at=utc_now(),
            sample_size=300,
            metrics={
                "serving": "gradient_boosting",
                "models": [{"name": "gradient_boosting", "rocAuc": 0.84, "brier": 0.13}],
            },
            result={},
        )
        session.add(churn)
        await session.flush()
        session.add(
            Prediction(
                run_id=churn.id,
                user_id=uuid.uuid4(),
                subscription_id=subscription_id,
                period_ends_at=utc_now() + timedelta(days=5),
                churn_probability=0.85,
                confidence_score=0.75,
                factors={"daysSinceLastSession": 45.0},
            )
        )
    return subscription_id


async def store_firing(app: FastAPI, name: str) -> None:
    """Store a revenue rule and one firing of it, as the refresh job's evaluation does."""
    now = utc_now()
    async with transaction(app.state.session_factory) as session:
        rule = KpiAlertRule(
            id=uuid.uuid4(),
            name=name,
            metric="revenue",
            comparison="gt",
            threshold=Decimal("100"),
            window_hours=24,
            cooldown_minutes=60,
            recipients={"roles": ["operations"], "userIds": []},
            active=True,
        )
        session.add(rule)
        await session.flush()
        session.add(
            KpiAlertFiring(
                rule_id=rule.id,
                fired_at=now,
                window_start=now - timedelta(hours=24),
                window_end=now,
                value=Decimal("150.00"),
                threshold=Decimal("100"),
                recipients=2,
            )
        )


def json_block(page: str, block_id: str) -> str:
    """Return the text of the `<script type="application/json">` block with that id."""
    found = re.search(
        rf'<script type="application/json" id="{re.escape(block_id)}">(.*?)</script>', page, re.S
    )
    assert found is not None, f"no JSON block {block_id}"
    return found.group(1)


def map_svg(page: str) -> str:
    found = re.search(r'<div class="map">(.*?)</div>', page, re.S)
    assert found is not None, "no map on the page"
    return found.group(1)
