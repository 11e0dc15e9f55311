"""The dashboard endpoint: figures equal sums over the raw events after a refresh, access,
date validation, freshness and the read-only analytics database."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.app import create_app
from cuenty.catalog.models import CatalogService
from tests.analytics.rollup_support import event, refresh, store
from tests.compliance.helpers import customer, staff
from tests.conftest import TestDatabase, client_for, make_settings

RANGE = {"startDate": "2026-03-01", "endDate": "2026-03-31"}


async def _netflix(app: FastAPI) -> uuid.UUID:
    async with app.state.session_factory() as session, session.begin():
        service = CatalogService(name="Netflix", category="streaming")
        session.add(service)
    return service.id


async def _fixture(engine: AsyncEngine, netflix: uuid.UUID) -> dict[str, uuid.UUID]:
    ana, beto, carla = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await store(
        engine,
        event("page_view", "2026-03-01T10:00:00-06:00", user_id=ana, state_code="MX-JAL"),
        event("signup", "2026-03-01T10:05:00-06:00", user_id=ana, state_code="MX-JAL"),
        event(
            "payment",
            "2026-03-01T11:00:00-06:00",
            user_id=ana,
            amount="190.00",
            state_code="MX-JAL",
            service_id=netflix,
        ),
        event(
            "payment_returned",
            "2026-03-03T11:00:00-06:00",
            user_id=ana,
            amount="-45.50",
            state_code="MX-JAL",
            service_id=netflix,
        ),
        event(
            "payment",
            "2026-03-02T09:00:00-06:00",
            user_id=beto,
            amount="40.25",
            state_code="MX-CMX",
        ),
        event("page_view", "2026-03-02T09:00:00-06:00", user_id=carla),
        # Outside the range: 1 April in Mexico City.
        event("payment", "2026-04-01T00:30:00-06:00", user_id=carla, amount="99.00"),
    )
    return {"ana": ana, "beto": beto, "carla": carla}


async def _operations(client: httpx.AsyncClient, app: FastAPI) -> dict[str, str]:
    _, headers = await staff(client, app, "ops@example.com", role="operations")
    return headers


async def test_dashboard_totals_match_raw_events(
    client: httpx.AsyncClient, app: FastAPI, engine: AsyncEngine
) -> None:
    netflix = await _netflix(app)
    await _fixture(engine, netflix)
    await refresh(engine)
    headers = await _operations(client, app)

    response = await client.get("/v1/analytics/dashboard", params=RANGE, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()

    async with engine.connect() as connection:
        raw = (
            await connection.execute(
                text(
                    "SELECT sum(amount) FROM analytics_events WHERE source = 'platform' "
                    "AND event_type IN ('payment', 'payment_returned', 'refund') "
                    "AND local_date BETWEEN '2026-03-01' AND '2026-03-31'"
                )
            )
        ).scalar_one()
    assert Decimal(str(body["totals"]["total_revenue"])) == Decimal(str(raw)).quantize(
        Decimal("0.01")
    )
    assert body["totals"] == {"total_users": 3, "total_payments": 2, "total_revenue": 184.75}


async def test_dashboard_top_states(
    client: httpx.AsyncClient, app: FastAPI, engine: AsyncEngine
) -> None:
    await _fixture(engine, await _netflix(app))
    await refresh(engine)
    response = await client.get(
        "/v1/analytics/dashboard", params=RANGE, headers=await _operations(client, app)
    )
    states = response.json()["topStates"]
    assert [row["stateCode"] for row in states] == ["MX-JAL", "MX-CMX", "unknown"]
    assert states[0]["state"] == "Jalisco"
    assert states[0]["revenue"] == 144.5
    assert states[2]["state"] == "unknown"
    assert states[2]["users"] == 1


async def test_dashboard_revenue_by_service(
    client: httpx.AsyncClient, app: FastAPI, engine: AsyncEngine
) -> None:
    netflix = await _netflix(app)
    await _fixture(engine, netflix)
    await refresh(engine)
    response = await client.get(
        "/v1/analytics/dashboard", params=RANGE, headers=await _operations(client, app)
    )
    services = response.json()["revenueByService"]
    assert services[0]["serviceId"] == str(netflix)
    assert services[0]["serviceName"] == "Netflix"
    assert services[0]["grossRevenue"] == 190.0
    assert services[0]["revenue"] == 144.5
    assert services[0]["returns"] == 1
    assert services[1]["serviceId"] is None


async def test_dashboard_late_and_duplicate_events(
    client: httpx.AsyncClient, app: FastAPI, engine: AsyncEngine
) -> None:
    headers = await _operations(client, app)
    await store(engine, event("payment", "2026-03-05T10:00:00-06:00", amount="10.00"))
    await refresh(engine)
    late = event("payment", "2026-03-02T10:00:00-06:00", amount="5.00")
    await store(engine, late)
    first = await client.get("/v1/analytics/dashboard", params=RANGE, headers=headers)
    await refresh(engine)
    second = await client.get("/v1/analytics/dashboard", params=RANGE, headers=headers)

    assert first.json()["totals"]["total_revenue"] == 10.0
    assert second.json()["totals"]["total_revenue"] == 15.0
    try:
        await store(engine, {**late})
    except Exception as error:  # the unique event_id keeps a duplicate out
        assert "event_id" in str(error) or "UNIQUE" in str(error).upper()
    else:
        raise AssertionError("a duplicate event_id was stored")


async def test_dashboard_fresh_after_refresh(
    client: httpx.AsyncClient, app: FastAPI, engine: AsyncEngine
) -> None:
    headers = await _operations(client, app)
    before = (await client.get("/v1/analytics/dashboard", headers=headers)).json()
    outcome = await refresh(engine)
    after = (await client.get("/v1/analytics/dashboard", headers=headers)).json()

    assert before["fresh"] is False
    assert before["asOf"] is None
    assert after["fresh"] is True
    assert after["asOf"].startswith(outcome.started_at.strftime("%Y-%m-%dT%H:%M:%S"))


async def test_dashboard_default_range_is_30_days(client: httpx.AsyncClient, app: FastAPI) -> None:
    body = (
        await client.get("/v1/analytics/dashboard", headers=await _operations(client, app))
    ).json()
    from datetime import date

    days = (date.fromisoformat(body["endDate"]) - date.fromisoformat(body["startDate"])).days
    assert days == 29


async def test_dashboard_customer_forbidden(client: httpx.AsyncClient) -> None:
    _, headers = await customer(client, "ana@example.com")
    response = await client.get("/v1/analytics/dashboard", headers=headers)
    assert response.status_code == 403


async def test_dashboard_anonymous_unauthorized(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/analytics/dashboard")
    assert response.status_code == 401


async def test_dashboard_api_key_with_scope(client: httpx.AsyncClient, app: FastAPI) -> None:
    headers = await _operations(client, app)
    created = await client.post(
        "/v1/api-keys", json={"name": "tablero", "scopes": ["analytics:read"]}, headers=headers
    )
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    response = await client.get("/v1/analytics/dashboard", headers={"X-API-Key": key})
    assert response.status_code == 200


async def _problem(client: httpx.AsyncClient, app: FastAPI, params: dict[str, str]) -> Any:
    response = await client.get(
        "/v1/analytics/dashboard", params=params, headers=await _operations(client, app)
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()["errors"][0]


async def test_dashboard_rejects_bad_date(client: httpx.AsyncClient, app: FastAPI) -> None:
    error = await _problem(client, app, {"startDate": "2026-02-30"})
    assert error["parameter"] == "startDate"


async def test_dashboard_rejects_reversed_range(client: httpx.AsyncClient, app: FastAPI) -> None:
    error = await _problem(client, app, {"startDate": "2026-03-10", "endDate": "2026-03-01"})
    assert error["parameter"] == "endDate"
    assert error["code"] == "ends_before_start"


async def test_dashboard_rejects_long_range(client: httpx.AsyncClient, app: FastAPI) -> None:
    error = await _problem(client, app, {"startDate": "2025-01-01", "endDate": "2026-03-01"})
    assert error["code"] == "range_too_long"
    assert "366" in error["message"]


async def test_dashboard_reads_analytics_database(
    database: TestDatabase, engine: AsyncEngine
) -> None:
    settings = make_settings(database_url=database.url, analytics_database_url=database.url)
    application = create_app(settings, engine=engine)
    async with application.router.lifespan_context(application):
        assert application.state.analytics_engine is not application.state.engine
        await store(engine, event("payment", "2026-03-05T10:00:00-06:00", amount="10.00"))
        await refresh(engine)
        async with client_for(application) as http_client:
            headers = await _operations(http_client, application)
            response = await http_client.get(
                "/v1/analytics/dashboard", params=RANGE, headers=headers
            )
        async with application.state.analytics_session_factory() as session:
            try:
                await session.execute(text("DELETE FROM analytics_events"))
            except Exception as error:
                refused = str(error)
            else:
                refused = ""
    assert response.json()["totals"]["total_revenue"] == 10.0
    assert "read" in refused.lower()


async def test_dashboard_revenue_by_day(
    client: httpx.AsyncClient, app: FastAPI, engine: AsyncEngine
) -> None:
    await _fixture(engine, await _netflix(app))
    await refresh(engine)
    response = await client.get(
        "/v1/analytics/dashboard", params=RANGE, headers=await _operations(client, app)
    )
    days = response.json()["revenueByDay"]
    assert len(days) == 31
    assert days[0] == {"date": "2026-03-01", "revenue": 190.0, "payments": 1}
    assert days[2] == {"date": "2026-03-03", "revenue": -45.5, "payments": 0}
    assert days[30] == {"date": "2026-03-31", "revenue": 0.0, "payments": 0}
