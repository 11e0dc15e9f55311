"""The staff dashboard `/console/tablero`: who may open it, the figures and pictures it shows
for a range, the API's message for a bad range, and the parts shown as unavailable."""

from __future__ import annotations

import json
import re

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.console.dashboard_support import (
    PAGE,
    json_block,
    map_svg,
    seed_march,
    store_firing,
    store_predictions,
)
from tests.console.support import browser, staff_browser

REVENUE = "/v1/analytics/predictions/revenue"


@pytest.mark.parametrize("role", ["operations", "admin"])
async def test_dashboard_shows_totals(app: FastAPI, engine: AsyncEngine, role: str) -> None:
    await seed_march(app, engine)
    client = await staff_browser(app, "ops@example.com", role)

    response = await client.get(PAGE)

    assert response.status_code == 200, response.text
    assert "$184.75 MXN" in response.text
    assert "Tablero" in response.text


async def test_dashboard_says_how_fresh(app: FastAPI, engine: AsyncEngine) -> None:
    await seed_march(app, engine)
    client = await staff_browser(app, "ops@example.com")

    response = await client.get(PAGE)

    assert re.search(r"Actualizado hace \d+ minutos?<", response.text)


async def test_support_role_is_refused(app: FastAPI) -> None:
    client = await staff_browser(app, "help@example.com", "support")

    response = await client.get(PAGE)

    assert response.status_code == 403


async def test_visitor_is_sent_to_sign_in(app: FastAPI) -> None:
    response = await browser(app).get("/console/tablero")

    assert response.status_code == 303
    assert response.headers["location"] == "/console/entrar?next=/console/tablero"


async def test_compliance_officer_sees_unavailable_parts(app: FastAPI) -> None:
    # The role has analytics:read, but the analytics API serves only operations and admin.
    client = await staff_browser(app, "oficial@example.com", "compliance_officer")

    response = await client.get(PAGE)

    assert response.status_code == 200
    assert "No disponible para tu rol." in response.text


async def test_range_ending_before_start_shows_api_message(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com")
    backwards = {"startDate": "2026-03-31", "endDate": "2026-03-01"}
    token = client.cookies["cuenty_console_access"]
    api = await client.get(
        "/v1/analytics/dashboard", params=backwards, headers={"Authorization": f"Bearer {token}"}
    )
    message = api.json()["errors"][0]["message"]

    response = await client.get("/console/tablero", params=backwards)

    assert response.status_code == 422
    assert f"Hasta: {message}" in response.text
    assert 'aria-invalid="true"' in response.text


async def test_malformed_date_shows_api_message(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com")

    response = await client.get("/console/tablero", params={"startDate": "2026-13-01"})

    assert response.status_code == 422
    assert 'id="field-startDate-note"' in response.text


async def test_map_draws_32_states(app: FastAPI, engine: AsyncEngine) -> None:
    await seed_march(app, engine)
    client = await staff_browser(app, "ops@example.com")

    svg = map_svg((await client.get(PAGE)).text)

    assert svg.count("<path ") == 32
    assert 'data-state="MX-JAL" data-revenue="144.50"' in svg


async def test_map_credits_its_source(app: FastAPI, engine: AsyncEngine) -> None:
    await seed_march(app, engine)
    client = await staff_browser(app, "ops@example.com")

    response = await client.get(PAGE)

    assert "Mapa: svg-maps (CC BY 4.0)" in response.text


async def test_funnel_block_has_the_steps(app: FastAPI, engine: AsyncEngine) -> None:
    await seed_march(app, engine)
    client = await staff_browser(app, "ops@example.com")

    page = (await client.get(PAGE)).text
    funnel = json.loads(json_block(page, "chart-funnel-data"))

    assert funnel["categories"] == ["Visitas", "Registros", "Pagos", "Activaciones"]
    assert funnel["values"] == [3, 1, 1, 0]
    assert funnel["labels"][1] == "1 · 33.3 % del paso anterior"


async def test_revenue_chart_has_every_day(app: FastAPI, engine: AsyncEngine) -> None:
    await seed_march(app, engine)
    client = await staff_browser(app, "ops@example.com")

    page = (await client.get(PAGE)).text
    revenue = json.loads(json_block(page, "chart-revenue-data"))

    assert len(revenue["categories"]) == 31
    assert revenue["series"][0]["values"][:3] == [190.0, 40.25, -45.5]


async def test_service_chart_block_has_net_revenue(app: FastAPI, engine: AsyncEngine) -> None:
    await seed_march(app, engine)
    client = await staff_browser(app, "ops@example.com")

    page = (await client.get(PAGE)).text
    services = json.loads(json_block(page, "chart-services-data"))

    assert services["categories"] == ["Netflix", "Sin servicio"]
    assert services["series"][0]["values"] == [144.5, 40.25]


async def test_page_has_no_inline_styles(app: FastAPI, engine: AsyncEngine) -> None:
    # The CSP forbids style attributes; charts get their sizes from CSS and JavaScript.
    await seed_march(app, engine)
    client = await staff_browser(app, "ops@example.com")

    response = await client.get(PAGE)

    assert " style=" not in response.text


async def test_english_on_request(app: FastAPI, engine: AsyncEngine) -> None:
    await seed_march(app, engine)
    client = await staff_browser(app, "ops@example.com")

    response = await client.get(PAGE + "&lang=en")

    assert "Net revenue by state" in response.text
    assert "Map: svg-maps (CC BY 4.0)" in response.text
    assert re.search(r"Updated \d+ minutes? ago<", response.text)


async def test_forecast_not_computed_shows_api_message(app: FastAPI) -> None:
    client = await staff_browser(app, "ops@example.com")
    token = client.cookies["cuenty_console_access"]
    api = await client.get(REVENUE, headers={"Authorization": f"Bearer {token}"})

    response = await client.get(PAGE)

    assert api.status_code == 503
    assert api.json()["detail"] in response.text


async def test_forecast_chart_has_six_months(app: FastAPI) -> None:
    await store_predictions(app)
    client = await staff_browser(app, "ops@example.com")

    page = (await client.get(PAGE)).text
    forecast = json.loads(json_block(page, "chart-forecast-data"))

    assert forecast["predicted"] == [1000.0, 2000.0, 3000.0, 4000.0, 5000.0, 6000.0]
    assert forecast["interval95"][0] == [800.0, 1200.0]
    assert "$6,000.00 MXN" in page


async def test_churn_list_shows_probability_and_factors(app: FastAPI) -> None:
    subscription_id = await store_predictions(app)
    client = await staff_browser(app, "ops@example.com")

    page = (await client.get(PAGE)).text

    assert str(subscription_id) in page
    assert "85.0 %" in page
    assert "Días desde la última sesión: 45" in page


async def test_alert_firing_is_listed(app: FastAPI) -> None:
    await store_firing(app, "Ingresos del día altos")
    client = await staff_browser(app, "ops@example.com")

    page = (await client.get(PAGE)).text

    assert "Ingresos del día altos" in page
    assert "$150.00 MXN" in page
