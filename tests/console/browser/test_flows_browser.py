"""The console's main flows in a real browser. Staff reconcile a deposit by hand and see it on
the dashboard's map and funnel. A customer signs in with a code, copies the CLABE of a pending
order and revokes a marketing consent."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import update

from cuenty.identity.models import User
from tests.analytics.rollup_support import refresh
from tests.commerce_support import Catalog, person, run_all_jobs, seed_catalog
from tests.compliance.helpers import customer, publish_notice, staff
from tests.conftest import TestDatabase, client_for
from tests.console.browser.conftest import screenshot
from tests.identity.helpers import PASSWORD, latest_code, register
from tests.jobs.support import reset_procrastinate
from tests.payments.support import place_order, spei, stp_list, stp_list_entry

# A CLABE no order was given, so the deposit waits in the review queue.
UNKNOWN_CLABE = "646180157099999990"
GUADALAJARA_POSTAL_CODE = "44100"
PHONE = "+525512345678"
MARKETING = "Ofertas y promociones"


@pytest.fixture(autouse=True)
async def clean_job_queue(database: TestDatabase) -> AsyncIterator[None]:
    await reset_procrastinate(database.engine)
    yield


@pytest.fixture
async def catalog(app: FastAPI) -> Catalog:
    return await seed_catalog(app)


async def _staff(app: FastAPI, email: str) -> None:
    async with client_for(app) as api:
        await register(api, email)
    async with app.state.session_factory() as session, session.begin():
        await session.execute(update(User).where(User.email == email).values(role="admin"))


async def _sign_in_staff(page: Any, email: str) -> None:
    await page.goto("/console/entrar")
    await page.get_by_label("Correo electrónico").fill(email)
    await page.get_by_label("Contraseña").fill(PASSWORD)
    await page.get_by_role("button", name="Entrar").click()
    await page.wait_for_url("**/console/tablero**")


async def _visitor_who_ordered(app: FastAPI, catalog: Catalog) -> dict[str, Any]:
    """A customer in Jalisco who agreed to analytics, visited, and ordered with SPEI."""
    async with client_for(app) as api:
        _, officer = await staff(api, app, "oficial@example.com")
        await publish_notice(api, officer)
        _, headers = await customer(api, "ana@example.com")
        async with app.state.session_factory() as session, session.begin():
            await session.execute(
                update(User)
                .where(User.email == "ana@example.com")
                .values(postal_code=GUADALAJARA_POSTAL_CODE)
            )
        consent = {"consentType": "analytics", "consentText": "Acepto", "version": "1.0.0"}
        granted = await api.post("/v1/compliance/consent/register", json=consent, headers=headers)
        assert granted.status_code == 201, granted.text
        visit = {"eventType": "page_view", "eventName": "home_viewed"}
        stored = await api.post("/v1/analytics/events", json=visit, headers=headers)
        assert stored.status_code in (200, 201, 202), stored.text
        order = await place_order(api, headers, catalog)
        assert (await spei(api, headers, order)).status_code == 201
    return order


def _csp_reports(page_factory: Any) -> list[str]:
    return [text for text in page_factory.console_messages if "Content Security Policy" in text]


async def test_manual_match_reaches_dashboard(
    app: FastAPI,
    database: TestDatabase,
    catalog: Catalog,
    page_factory: Any,
    tmp_path: Path,
) -> None:
    order = await _visitor_who_ordered(app, catalog)
    await _staff(app, "ops@example.com")
    statement = tmp_path / "recibidas.json"
    amount = f"{Decimal(str(order['total'])):.2f}"
    statement.write_bytes(stp_list(stp_list_entry(UNKNOWN_CLABE, amount, "MBANNAVEGADOR01")))

    page = await page_factory()
    await _sign_in_staff(page, "ops@example.com")
    await page.goto("/console/conciliacion")
    await page.get_by_label("Archivo del estado de cuenta").set_input_files(str(statement))
    await page.get_by_role("button", name="Subir", exact=True).click()
    await page.wait_for_load_state()
    await page.get_by_role("button", name="Conciliar automáticamente ahora").click()
    await page.wait_for_load_state()
    await screenshot(page, "console-reconciliation", database)
    deposit = page.locator("article.transfer").filter(has_text=order["number"])
    await deposit.get_by_role("radio").check()
    await deposit.get_by_label("Motivo de la asociación").fill("El cliente envió su comprobante")
    await deposit.get_by_role("button", name="Asociar depósito").click()
    await page.get_by_text(f"El depósito se asoció al pedido {order['number']}").wait_for()

    await run_all_jobs(database)
    await refresh(database.engine, full=True)
    await page.goto("/console/tablero")
    await page.locator("#chart-funnel canvas").first.wait_for()
    await screenshot(page, "console-dashboard", database)
    jalisco = page.locator('.map path[data-state="MX-JAL"]')
    funnel = json.loads(await page.locator("#chart-funnel-data").text_content() or "{}")

    assert await page.locator(".map path").count() == 32
    assert Decimal(await jalisco.get_attribute("data-revenue") or "0") == Decimal(amount)
    assert funnel["values"][0] == 1
    assert _csp_reports(page_factory) == []


async def test_portal_clabe_copy_and_revoke(
    app: FastAPI,
    database: TestDatabase,
    catalog: Catalog,
    page_factory: Any,
) -> None:
    async with client_for(app) as api:
        officer = await person(api, "dpo@cuenty.mx", "compliance_officer")
        await publish_notice(api, officer, purposes=["terms_of_service", "marketing"])
        registered = await register(api, "ana@example.com", phone=PHONE)
        headers = {"Authorization": f"Bearer {registered['tokens']['accessToken']}"}  # type: ignore[index]
        order = await place_order(api, headers, catalog)
        instructions = (await spei(api, headers, order)).json()

    page = await page_factory(mobile=True)
    await page.goto("/cuenta/entrar")
    await page.get_by_label("Celular").fill(PHONE)
    await page.get_by_role("button", name="Enviar código").click()
    await page.get_by_label("Código").wait_for()
    await page.get_by_label("Código").fill(await latest_code(app, PHONE))
    await page.get_by_role("button", name="Entrar").click()
    await page.wait_for_url("**/cuenta")
    await screenshot(page, "portal-subscriptions", database)

    await page.goto("/cuenta/pagos")
    await page.get_by_role("button", name="Copiar CLABE").first.click()
    copied = await page.evaluate("navigator.clipboard.readText()")
    await screenshot(page, "portal-payments", database)

    await page.goto("/cuenta/privacidad")
    await page.get_by_role("button", name=re.compile(f"^Acepto.*{MARKETING}")).click()
    await page.wait_for_load_state()
    await page.get_by_role("button", name=re.compile(f"^Revocar.*{MARKETING}")).click()
    await page.wait_for_load_state()
    await screenshot(page, "portal-privacy", database)
    async with client_for(app) as api:
        consents = await api.get(
            "/v1/compliance/consents/me",
            headers={"Authorization": f"Bearer {await _portal_token(page)}"},
        )

    assert copied == instructions["clabe"]
    assert consents.json()["current"]["marketing"] is False
    assert _csp_reports(page_factory) == []


async def _portal_token(page: Any) -> str:
    cookies = {cookie["name"]: cookie["value"] for cookie in await page.context.cookies()}
    return str(cookies["cuenty_cuenta_access"])
