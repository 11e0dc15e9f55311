"""The customer portal (/cuenta): subscriptions, payments, privacy and notifications, used
through the pages as a customer would, with the API checked after each change."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cuenty.kit.money import format_mxn
from tests.commerce_support import Catalog, add_stock, person, run_all_jobs, seed_catalog
from tests.compliance.helpers import publish_notice
from tests.conftest import TestDatabase
from tests.console.support import csrf_of, customer_browser, staff_browser, submit
from tests.jobs.support import reset_procrastinate

PHONE = "+525512345678"
OTHER_PHONE = "+525587654321"


@pytest.fixture(autouse=True)
async def clean_job_queue(database: TestDatabase) -> AsyncIterator[None]:
    """Start without jobs left by another test: the `engine` fixture keeps procrastinate's
    tables on PostgreSQL."""
    await reset_procrastinate(database.engine)
    yield


@pytest.fixture
async def catalog(app: FastAPI) -> Catalog:
    catalog = await seed_catalog(app)
    await add_stock(app, catalog.spotify, 1)
    return catalog


def bearer_of(browser: httpx.AsyncClient) -> dict[str, str]:
    """The Authorization header of the customer signed in to the portal in `browser`."""
    return {"Authorization": f"Bearer {browser.cookies['cuenty_cuenta_access']}"}


async def order_of(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, catalog: Catalog
) -> dict[str, Any]:
    """A Netflix profile order placed through the API by the portal's customer."""
    body = {"items": [{"planId": str(catalog.netflix_profile.id)}]}
    response = await client.post("/v1/orders", json=body, headers=bearer_of(browser))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def subscribed(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> httpx.AsyncClient:
    """A portal customer whose Spotify month was paid (confirmed by operations) and
    delivered by the jobs."""
    browser = await customer_browser(app, PHONE)
    body = {"items": [{"planId": str(catalog.spotify_month.id)}]}
    order = (await client.post("/v1/orders", json=body, headers=bearer_of(browser))).json()
    staff = await person(client, "ops@cuenty.mx", "operations")
    confirmed = await client.post(
        f"/v1/orders/{order['id']}/confirm-payment", json={"reason": "folio 123"}, headers=staff
    )
    assert confirmed.status_code == 200, confirmed.text
    await run_all_jobs(database)
    return browser


async def subscriptions_of(
    client: httpx.AsyncClient, browser: httpx.AsyncClient
) -> list[dict[str, Any]]:
    response = await client.get("/v1/subscriptions", headers=bearer_of(browser))
    return list(response.json()["items"])


async def officer(client: httpx.AsyncClient) -> dict[str, str]:
    return await person(client, "dpo@cuenty.mx", "compliance_officer")


# Subscriptions


async def test_subscriptions_show_days_left(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    browser = await subscribed(app, client, database, catalog)
    page = await browser.get("/cuenta")
    days = (await subscriptions_of(client, browser))[0]["daysLeft"]
    assert f"{days} días" in page.text


async def test_subscriptions_name_service_and_plan(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    browser = await subscribed(app, client, database, catalog)
    page = await browser.get("/cuenta")
    assert "Spotify" in page.text
    assert "1 mes" in page.text


async def test_subscription_access_is_behind_a_disclosure(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    browser = await subscribed(app, client, database, catalog)
    page = await browser.get("/cuenta")
    disclosure = re.search(r'<details class="access">.*?</details>', page.text, re.S)
    assert disclosure is not None
    assert "Clave-0" in disclosure.group(0)


async def test_renewal_opens_the_orders_payment_page(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    browser = await subscribed(app, client, database, catalog)
    subscription = (await subscriptions_of(client, browser))[0]
    response = await submit(
        browser, "/cuenta", f"/cuenta/suscripciones/{subscription['id']}/renovar", {}
    )
    renewal = (await subscriptions_of(client, browser))[0]["renewalOrderId"]
    assert response.headers["location"] == f"/cuenta/pagos/{renewal}"


async def test_renewal_page_offers_spei_details(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    browser = await subscribed(app, client, database, catalog)
    subscription = (await subscriptions_of(client, browser))[0]
    response = await submit(
        browser, "/cuenta", f"/cuenta/suscripciones/{subscription['id']}/renovar", {}
    )
    page = await browser.get(response.headers["location"])
    assert "Obtener los datos para transferir por SPEI" in page.text


async def test_turning_off_auto_renewal(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    browser = await subscribed(app, client, database, catalog)
    subscription = (await subscriptions_of(client, browser))[0]
    response = await submit(
        browser, "/cuenta", f"/cuenta/suscripciones/{subscription['id']}/cancelar", {}
    )
    assert response.status_code == 303
    assert (await subscriptions_of(client, browser))[0]["autoRenew"] is False


async def test_cancel_button_asks_for_confirmation(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    browser = await subscribed(app, client, database, catalog)
    page = await browser.get("/cuenta")
    assert re.search(r'action="/cuenta/suscripciones/[^"]+/cancelar" data-confirm="', page.text)


async def test_customer_without_subscriptions_sees_an_empty_list(app: FastAPI) -> None:
    browser = await customer_browser(app, PHONE)
    page = await browser.get("/cuenta")
    assert "Aún no tienes suscripciones." in page.text


# Payments


async def test_pending_order_lists_its_total(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    browser = await customer_browser(app, PHONE)
    order = await order_of(client, browser, catalog)
    page = await browser.get("/cuenta/pagos")
    assert format_mxn(Decimal(str(order["total"]))) in page.text


async def test_spei_details_show_the_clabe_with_a_copy_button(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    browser = await customer_browser(app, PHONE)
    order = await order_of(client, browser, catalog)
    await submit(browser, f"/cuenta/pagos/{order['id']}", f"/cuenta/pagos/{order['id']}/spei", {})
    payments = await client.get(
        "/v1/payments", params={"orderId": order["id"]}, headers=bearer_of(browser)
    )
    clabe = payments.json()[0]["clabe"]
    page = await browser.get(f"/cuenta/pagos/{order['id']}")
    assert f'data-copy="{clabe}" data-copied="CLABE copiada"' in page.text


async def test_spei_details_appear_in_the_payments_list(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    browser = await customer_browser(app, PHONE)
    order = await order_of(client, browser, catalog)
    await submit(browser, f"/cuenta/pagos/{order['id']}", f"/cuenta/pagos/{order['id']}/spei", {})
    page = await browser.get("/cuenta/pagos")
    assert "Copiar CLABE" in page.text


async def test_qr_code_is_shown_as_an_image(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    browser = await customer_browser(app, PHONE)
    order = await order_of(client, browser, catalog)
    page = await submit(
        browser, f"/cuenta/pagos/{order['id']}", f"/cuenta/pagos/{order['id']}/codi", {}
    )
    assert '<img src="data:image/png;base64,' in page.text


async def test_qr_code_without_provider_says_it_is_not_codi(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    browser = await customer_browser(app, PHONE)
    order = await order_of(client, browser, catalog)
    page = await submit(
        browser, f"/cuenta/pagos/{order['id']}", f"/cuenta/pagos/{order['id']}/codi", {}
    )
    assert "no es un cobro CoDi" in page.text


async def test_qr_code_request_keeps_one_codi_request(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    browser = await customer_browser(app, PHONE)
    order = await order_of(client, browser, catalog)
    for _ in range(2):
        await submit(
            browser, f"/cuenta/pagos/{order['id']}", f"/cuenta/pagos/{order['id']}/codi", {}
        )
    payments = await client.get(
        "/v1/payments", params={"orderId": order["id"]}, headers=bearer_of(browser)
    )
    assert [payment["method"] for payment in payments.json()] == ["codi"]


async def test_delivered_order_is_not_waiting_for_payment(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    browser = await subscribed(app, client, database, catalog)
    page = await browser.get("/cuenta/pagos")
    assert "No tienes pedidos esperando pago." in page.text


async def test_another_customers_order_is_not_found(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    other = await customer_browser(app, OTHER_PHONE)
    order = await order_of(client, other, catalog)
    browser = await customer_browser(app, PHONE)
    page = await browser.get(f"/cuenta/pagos/{order['id']}")
    assert page.status_code == 404


async def test_another_customers_order_gets_no_instructions(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    other = await customer_browser(app, OTHER_PHONE)
    order = await order_of(client, other, catalog)
    browser = await customer_browser(app, PHONE)
    response = await submit(browser, "/cuenta/pagos", f"/cuenta/pagos/{order['id']}/spei", {})
    assert response.status_code == 404


async def test_another_customers_order_is_not_listed(
    app: FastAPI, client: httpx.AsyncClient, catalog: Catalog
) -> None:
    other = await customer_browser(app, OTHER_PHONE)
    order = await order_of(client, other, catalog)
    browser = await customer_browser(app, PHONE)
    page = await browser.get("/cuenta/pagos")
    assert order["number"] not in page.text


# Privacy


async def test_revoking_marketing_consent(app: FastAPI, client: httpx.AsyncClient) -> None:
    await publish_notice(client, await officer(client), purposes=["terms_of_service", "marketing"])
    browser = await customer_browser(app, PHONE)
    await submit(
        browser,
        "/cuenta/privacidad",
        "/cuenta/privacidad/consentimientos/otorgar",
        {"purpose": "marketing"},
    )
    await submit(
        browser,
        "/cuenta/privacidad",
        "/cuenta/privacidad/consentimientos/revocar",
        {"purpose": "marketing"},
    )
    consents = await client.get("/v1/compliance/consents/me", headers=bearer_of(browser))
    assert consents.json()["current"]["marketing"] is False
    assert consents.json()["history"][-1]["action"] == "revoked"


async def test_granting_marketing_consent(app: FastAPI, client: httpx.AsyncClient) -> None:
    await publish_notice(client, await officer(client), purposes=["terms_of_service", "marketing"])
    browser = await customer_browser(app, PHONE)
    response = await submit(
        browser,
        "/cuenta/privacidad",
        "/cuenta/privacidad/consentimientos/otorgar",
        {"purpose": "marketing"},
    )
    consents = await client.get("/v1/compliance/consents/me", headers=bearer_of(browser))
    assert response.headers["location"] == "/cuenta/privacidad?hecho=otorgado"
    assert consents.json()["current"]["marketing"] is True


async def test_consent_outside_the_notice_shows_the_api_error(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await publish_notice(client, await officer(client), purposes=["terms_of_service", "marketing"])
    browser = await customer_browser(app, PHONE)
    response = await submit(
        browser,
        "/cuenta/privacidad",
        "/cuenta/privacidad/consentimientos/otorgar",
        {"purpose": "analytics"},
    )
    assert response.status_code == 422
    assert "no incluye la finalidad analytics" in response.text


async def test_consent_form_returns_only_to_portal_pages(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await publish_notice(client, await officer(client), purposes=["terms_of_service", "marketing"])
    browser = await customer_browser(app, PHONE)
    response = await submit(
        browser,
        "/cuenta/privacidad",
        "/cuenta/privacidad/consentimientos/otorgar",
        {"purpose": "marketing", "next": "https://evil.example/"},
    )
    assert response.headers["location"] == "/cuenta/privacidad?hecho=otorgado"


async def test_privacy_page_shows_revoke_for_a_given_consent(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await publish_notice(client, await officer(client), purposes=["terms_of_service", "marketing"])
    browser = await customer_browser(app, PHONE)
    await submit(
        browser,
        "/cuenta/privacidad",
        "/cuenta/privacidad/consentimientos/otorgar",
        {"purpose": "marketing"},
    )
    page = await browser.get("/cuenta/privacidad")
    assert 'Revocar<span class="visually-hidden">: Ofertas y promociones' in page.text


async def test_filed_arco_request_is_listed(app: FastAPI, client: httpx.AsyncClient) -> None:
    browser = await customer_browser(app, PHONE)
    response = await submit(
        browser,
        "/cuenta/privacidad/solicitudes/nueva?tipo=opposition",
        "/cuenta/privacidad/solicitudes/oposicion",
        {"data_types": "marketing", "reason": "No quiero ofertas"},
    )
    mine = await client.get("/v1/compliance/requests/me", headers=bearer_of(browser))
    folio = mine.json()[0]["folio"]
    page = await browser.get("/cuenta/privacidad")
    assert response.status_code == 303
    assert folio in page.text


async def test_filed_request_opens_its_receipt(app: FastAPI, client: httpx.AsyncClient) -> None:
    browser = await customer_browser(app, PHONE)
    response = await submit(
        browser,
        "/cuenta/privacidad/solicitudes/nueva?tipo=deletion",
        "/cuenta/privacidad/solicitudes/cancelacion",
        {"reason": "Ya no uso el servicio"},
    )
    page = await browser.get(response.headers["location"])
    assert "Recibimos tu solicitud" in page.text


async def test_opposition_without_a_use_shows_the_api_message(app: FastAPI) -> None:
    browser = await customer_browser(app, PHONE)
    page = await submit(
        browser,
        "/cuenta/privacidad/solicitudes/nueva?tipo=opposition",
        "/cuenta/privacidad/solicitudes/oposicion",
        {"reason": "No quiero ofertas"},
    )
    assert page.status_code == 422
    assert 'class="field-error" id="data_types-error"' in page.text


async def test_rectification_without_changes_keeps_the_evidence(app: FastAPI) -> None:
    browser = await customer_browser(app, PHONE)
    page = await submit(
        browser,
        "/cuenta/privacidad/solicitudes/nueva?tipo=rectification",
        "/cuenta/privacidad/solicitudes/rectificacion",
        {"evidence": "Mi acta de nacimiento"},
    )
    assert page.status_code == 422
    assert "Mi acta de nacimiento</textarea>" in page.text


async def test_rectification_with_a_bad_email_marks_the_field(app: FastAPI) -> None:
    browser = await customer_browser(app, PHONE)
    page = await submit(
        browser,
        "/cuenta/privacidad/solicitudes/nueva?tipo=rectification",
        "/cuenta/privacidad/solicitudes/rectificacion",
        {"email": "no-es-correo", "evidence": "Mi correo nuevo"},
    )
    assert 'id="field-email-note"' in page.text


async def test_withdrawing_a_request(app: FastAPI, client: httpx.AsyncClient) -> None:
    browser = await customer_browser(app, PHONE)
    response = await submit(
        browser,
        "/cuenta/privacidad/solicitudes/nueva?tipo=access",
        "/cuenta/privacidad/solicitudes/acceso",
        {},
    )
    detail = response.headers["location"].split("?")[0]
    await submit(browser, detail, f"{detail}/retirar", {})
    mine = await client.get("/v1/compliance/requests/me", headers=bearer_of(browser))
    assert mine.json()[0]["state"] == "withdrawn"


async def test_access_export_downloads_through_the_portal(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    browser = await customer_browser(app, PHONE)
    response = await submit(
        browser,
        "/cuenta/privacidad/solicitudes/nueva?tipo=access",
        "/cuenta/privacidad/solicitudes/acceso",
        {},
    )
    detail = response.headers["location"].split("?")[0]
    request_id = detail.rsplit("/", 1)[1]
    verified = await client.post(
        f"/v1/compliance/requests/{request_id}/verify-identity",
        json={"method": "id_document", "notes": "INE revisada"},
        headers=await officer(client),
    )
    assert verified.status_code == 200, verified.text
    download = await browser.get(f"{detail}/descarga?formato=json")
    assert download.headers["content-type"].startswith("application/json")
    assert "attachment" in download.headers["content-disposition"]


async def test_request_page_offers_the_download_once_ready(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    browser = await customer_browser(app, PHONE)
    response = await submit(
        browser,
        "/cuenta/privacidad/solicitudes/nueva?tipo=access",
        "/cuenta/privacidad/solicitudes/acceso",
        {},
    )
    detail = response.headers["location"].split("?")[0]
    request_id = detail.rsplit("/", 1)[1]
    await client.post(
        f"/v1/compliance/requests/{request_id}/verify-identity",
        json={"method": "id_document", "notes": "INE revisada"},
        headers=await officer(client),
    )
    page = await browser.get(detail)
    assert f'href="{detail}/descarga?formato=pdf"' in page.text


async def test_export_is_not_ready_before_identity_check(app: FastAPI) -> None:
    browser = await customer_browser(app, PHONE)
    response = await submit(
        browser,
        "/cuenta/privacidad/solicitudes/nueva?tipo=access",
        "/cuenta/privacidad/solicitudes/acceso",
        {},
    )
    detail = response.headers["location"].split("?")[0]
    download = await browser.get(f"{detail}/descarga?formato=json")
    assert download.status_code == 404


async def test_another_customers_request_is_not_found(app: FastAPI) -> None:
    other = await customer_browser(app, OTHER_PHONE)
    response = await submit(
        other,
        "/cuenta/privacidad/solicitudes/nueva?tipo=access",
        "/cuenta/privacidad/solicitudes/acceso",
        {},
    )
    detail = response.headers["location"].split("?")[0]
    browser = await customer_browser(app, PHONE)
    page = await browser.get(detail)
    assert page.status_code == 404


async def test_privacy_notice_page_shows_the_notice(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    notice = await publish_notice(client, await officer(client))
    browser = await customer_browser(app, PHONE)
    page = await browser.get("/cuenta/privacidad/aviso")
    assert str(notice["title"]) in page.text


# Notifications


async def test_preferred_channel_is_saved(app: FastAPI, client: httpx.AsyncClient) -> None:
    browser = await customer_browser(app, PHONE)
    await submit(
        browser,
        "/cuenta/notificaciones",
        "/cuenta/notificaciones",
        {"delivery_channel": "sms", "locale": "en"},
    )
    me = await client.get("/v1/users/me", headers=bearer_of(browser))
    assert me.json()["deliveryChannel"] == "sms"
    assert me.json()["locale"] == "en"


async def test_notifications_page_lists_sent_messages(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    browser = await subscribed(app, client, database, catalog)
    page = await browser.get("/cuenta/notificaciones")
    assert "+52******5678" in page.text


async def test_marketing_can_be_allowed_from_notifications(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await publish_notice(client, await officer(client), purposes=["terms_of_service", "marketing"])
    browser = await customer_browser(app, PHONE)
    response = await submit(
        browser,
        "/cuenta/notificaciones",
        "/cuenta/privacidad/consentimientos/otorgar",
        {"purpose": "marketing", "next": "/cuenta/notificaciones"},
    )
    page = await browser.get(response.headers["location"])
    assert "Recibes nuestras ofertas y promociones." in page.text


# Guards


async def test_staff_token_cannot_open_the_portal(app: FastAPI) -> None:
    staff = await staff_browser(app, "ops@cuenty.mx", "operations")
    staff.cookies.set("cuenty_cuenta_access", staff.cookies["cuenty_console_access"])
    response = await staff.get("/cuenta")
    assert response.headers["location"] == "/cuenta/entrar?next=/cuenta"


async def test_portal_without_session_sends_to_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.get("/cuenta/pagos")
    assert response.headers["location"] == "/cuenta/entrar?next=/cuenta/pagos"


async def test_portal_form_without_csrf_token_is_refused(
    app: FastAPI, client: httpx.AsyncClient, database: TestDatabase, catalog: Catalog
) -> None:
    browser = await subscribed(app, client, database, catalog)
    subscription = (await subscriptions_of(client, browser))[0]
    response = await browser.post(f"/cuenta/suscripciones/{subscription['id']}/cancelar")
    assert response.status_code == 403
    assert (await subscriptions_of(client, browser))[0]["autoRenew"] is True


async def test_portal_form_with_another_browsers_token_is_refused(app: FastAPI) -> None:
    other = await customer_browser(app, OTHER_PHONE)
    token = await csrf_of(other, "/cuenta/notificaciones")
    browser = await customer_browser(app, PHONE)
    response = await browser.post(
        "/cuenta/notificaciones",
        data={"delivery_channel": "email", "locale": "es-MX", "csrf_token": token},
    )
    assert response.status_code == 403


async def test_portal_pages_switch_to_english(app: FastAPI) -> None:
    browser = await customer_browser(app, PHONE)
    page = await browser.get("/cuenta/privacidad?lang=en")
    assert "Uses of my data" in page.text


@pytest.mark.parametrize(
    "path",
    [
        "/cuenta",
        "/cuenta/pagos",
        "/cuenta/privacidad",
        "/cuenta/privacidad/solicitudes/nueva",
        "/cuenta/privacidad/solicitudes/nueva?tipo=rectification",
        "/cuenta/notificaciones",
    ],
)
async def test_portal_pages_open(app: FastAPI, path: str) -> None:
    browser = await customer_browser(app, PHONE)
    response = await browser.get(path)
    assert response.status_code == 200
