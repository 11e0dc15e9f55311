"""The staff pages of orders: list and filters, one order's detail, cancel and confirm."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from fastapi import FastAPI

from cuenty.console import formatting
from cuenty.console.pages import orders as orders_page
from cuenty.kit.errors import ForbiddenError
from cuenty.kit.i18n import translate
from cuenty.kit.money import format_mxn
from tests.commerce_support import Catalog, seed_catalog
from tests.console.orders_support import (
    api_call,
    customer_order,
    enable_payments,
    operator_headers,
    order_of,
)
from tests.console.support import browser, csrf_of, staff_browser, submit


@pytest.fixture
async def catalog(app: FastAPI) -> Catalog:
    enable_payments(app)
    return await seed_catalog(app)


def _text(page: str) -> str:
    """The page's HTML with entities decoded, so assertions read like what a person sees."""
    return html.unescape(page)


async def test_support_sees_the_order_list(app: FastAPI, catalog: Catalog) -> None:
    _, order, _ = await customer_order(app, catalog, "ana@example.com")
    browser = await staff_browser(app, "help@example.com", "support")

    page = await browser.get("/console/pedidos")

    assert page.status_code == 200
    assert order["number"] in page.text
    assert format_mxn(Decimal(str(order["total"]))) in _text(page.text)
    assert "Esperando pago" in page.text


async def test_list_filters_by_state(app: FastAPI, catalog: Catalog) -> None:
    customer, first, _ = await customer_order(app, catalog, "ana@example.com")
    _, second, _ = await customer_order(app, catalog, "bea@example.com")
    await api_call(app, "POST", f"/v1/orders/{first['id']}/cancel", customer)
    browser = await staff_browser(app, "help@example.com", "support")

    page = await browser.get("/console/pedidos?state=cancelled")

    assert first["number"] in page.text
    assert second["number"] not in page.text
    assert '<option value="cancelled" selected>' in page.text


async def test_list_filters_by_payment_state(app: FastAPI, catalog: Catalog) -> None:
    _, unpaid, _ = await customer_order(app, catalog, "ana@example.com")
    _, paid, _ = await customer_order(app, catalog, "bea@example.com")
    ops = await operator_headers(app)
    body = {"reason": "Depósito en ventanilla"}
    await api_call(app, "POST", f"/v1/orders/{paid['id']}/confirm-payment", ops, json=body)
    browser = await staff_browser(app, "help@example.com", "support")

    page = await browser.get("/console/pedidos?paymentState=paid")

    assert paid["number"] in page.text
    assert unpaid["number"] not in page.text


async def test_list_filters_by_customer_email(app: FastAPI, catalog: Catalog) -> None:
    _, ana, _ = await customer_order(app, catalog, "ana@example.com", "Ana López")
    _, bea, _ = await customer_order(app, catalog, "bea@example.com", "Beatriz Ruiz")
    browser = await staff_browser(app, "help@example.com", "support")

    page = await browser.get("/console/pedidos?customer=bea@example.com")

    assert bea["number"] in page.text
    assert ana["number"] not in page.text


async def test_ambiguous_customer_offers_choices(app: FastAPI, catalog: Catalog) -> None:
    _, ana, _ = await customer_order(app, catalog, "ana@example.com", "Ana López")
    await customer_order(app, catalog, "ana.maria@example.com", "Ana María Soto")
    browser = await staff_browser(app, "help@example.com", "support")

    page = await browser.get("/console/pedidos?customer=Ana&state=pending_payment")

    assert "Ana María Soto" in page.text
    assert ana["number"] not in page.text
    assert f"customer={ana['userId']}" in page.text
    assert "state=pending_payment" in page.text


async def test_unknown_customer_lists_nothing(app: FastAPI, catalog: Catalog) -> None:
    _, order, _ = await customer_order(app, catalog, "ana@example.com")
    browser = await staff_browser(app, "help@example.com", "support")

    page = await browser.get("/console/pedidos?customer=nadie@example.com")

    assert order["number"] not in page.text
    assert "nadie@example.com" in _text(page.text)


async def test_pages_keep_the_filters(
    app: FastAPI, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(orders_page, "PAGE_SIZE", 1)
    _, older, _ = await customer_order(app, catalog, "ana@example.com")
    _, newer, _ = await customer_order(app, catalog, "bea@example.com")
    browser = await staff_browser(app, "help@example.com", "support")

    first = await browser.get("/console/pedidos?state=pending_payment")
    link = orders_page.OrderFilters(state="pending_payment").link()
    next_href = _text(first.text).split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    second = await browser.get(next_href)

    assert newer["number"] in first.text
    assert older["number"] not in first.text
    assert next_href.startswith(link + "&cursor=")
    assert older["number"] in second.text
    assert newer["number"] not in second.text
    assert f'href="{link}"' in second.text


async def test_invalid_date_shows_the_api_message(app: FastAPI, catalog: Catalog) -> None:
    browser = await staff_browser(app, "help@example.com", "support")
    ops = await operator_headers(app)
    expected = await api_call(app, "GET", "/v1/orders?from=2026-13-40", ops)
    message = expected.json()["errors"][0]["message"]

    page = await browser.get("/console/pedidos?from=2026-13-40")

    assert page.status_code == 422
    assert message in _text(page.text)
    assert 'id="filter-from-note"' in page.text


async def test_detail_shows_items_totals_and_customer(app: FastAPI, catalog: Catalog) -> None:
    _, order, _ = await customer_order(app, catalog, "ana@example.com", "Ana López")
    browser = await staff_browser(app, "help@example.com", "support")

    page = await browser.get(f"/console/pedidos/{order['id']}")
    text = _text(page.text)

    assert page.status_code == 200
    assert order["items"][0]["description"] in text
    assert format_mxn(Decimal(str(order["total"]))) in text
    assert format_mxn(Decimal(str(order["iva"]))) in text
    assert "Ana López" in text
    assert "ana@example.com" in text


async def test_detail_shows_instructions_as_sent(app: FastAPI, catalog: Catalog) -> None:
    _, order, instructions = await customer_order(app, catalog, "ana@example.com")
    browser = await staff_browser(app, "help@example.com", "support")

    page = await browser.get(f"/console/pedidos/{order['id']}")
    text = _text(page.text)

    assert instructions["clabe"] in text
    assert instructions["reference"] in text
    assert instructions["instructions"]["banco"] in text
    assert instructions["instructions"]["beneficiario"] in text
    assert instructions["instructions"]["concepto"] in text
    assert f'data-copy="{instructions["clabe"]}"' in page.text
    assert formatting.moment(instructions["expiresAt"], "es-MX") in text


async def test_detail_timeline_names_who_and_when(app: FastAPI, catalog: Catalog) -> None:
    _, order, _ = await customer_order(app, catalog, "ana@example.com", "Ana López")
    browser = await staff_browser(app, "ops@example.com", "operations")
    await submit(
        browser,
        f"/console/pedidos/{order['id']}",
        f"/console/pedidos/{order['id']}/cancelar",
        {"reason": "El cliente lo pidió por WhatsApp"},
    )
    ops = await operator_headers(app)
    history = (await order_of(app, order["id"], ops))["history"]

    page = await browser.get(f"/console/pedidos/{order['id']}")
    timeline = _text(page.text).split('id="history-title"')[1].split("</section>")[0]

    assert "Cancelado" in timeline
    assert "Personal" in timeline
    assert history[1]["actorId"] in timeline
    assert "El cliente lo pidió por WhatsApp" in timeline
    assert formatting.moment(history[1]["createdAt"], "es-MX") in timeline


async def test_operations_cancels_an_unpaid_order(app: FastAPI, catalog: Catalog) -> None:
    _, order, _ = await customer_order(app, catalog, "ana@example.com")
    browser = await staff_browser(app, "ops@example.com", "operations")
    detail = await browser.get(f"/console/pedidos/{order['id']}")

    response = await submit(
        browser, detail.url.path, f"/console/pedidos/{order['id']}/cancelar", {"reason": ""}
    )

    assert re.search(r'action="[^"]+/cancelar"[^>]*data-confirm="', detail.text)
    assert response.status_code == 303
    assert response.headers["location"] == f"/console/pedidos/{order['id']}?done=cancelled"
    assert (await order_of(app, order["id"], await operator_headers(app)))["state"] == "cancelled"


async def test_cancel_of_a_paid_order_shows_the_api_message(app: FastAPI, catalog: Catalog) -> None:
    _, order, _ = await customer_order(app, catalog, "ana@example.com")
    ops = await operator_headers(app)
    body = {"reason": "Depósito en ventanilla"}
    await api_call(app, "POST", f"/v1/orders/{order['id']}/confirm-payment", ops, json=body)
    refused = await api_call(app, "POST", f"/v1/orders/{order['id']}/cancel", ops, json={})
    browser = await staff_browser(app, "ops@example.com", "operations")

    page = await submit(
        browser, f"/console/pedidos/{order['id']}", f"/console/pedidos/{order['id']}/cancelar", {}
    )

    assert page.status_code == 409
    assert refused.json()["detail"] in _text(page.text)


async def test_operations_confirms_a_payment(app: FastAPI, catalog: Catalog) -> None:
    _, order, _ = await customer_order(app, catalog, "ana@example.com")
    browser = await staff_browser(app, "ops@example.com", "operations")

    response = await submit(
        browser,
        f"/console/pedidos/{order['id']}",
        f"/console/pedidos/{order['id']}/confirmar-pago",
        {"reason": "Depósito en ventanilla, folio 991"},
    )
    seen = await order_of(app, order["id"], await operator_headers(app))

    assert response.status_code == 303
    assert seen["paymentState"] == "paid"
    assert seen["history"][-1]["reason"] == "Depósito en ventanilla, folio 991"


async def test_confirm_without_reason_shows_the_field_message(
    app: FastAPI, catalog: Catalog
) -> None:
    _, order, _ = await customer_order(app, catalog, "ana@example.com")
    ops = await operator_headers(app)
    path = f"/v1/orders/{order['id']}/confirm-payment"
    expected = await api_call(app, "POST", path, ops, json={"reason": ""})
    browser = await staff_browser(app, "ops@example.com", "operations")

    page = await submit(
        browser,
        f"/console/pedidos/{order['id']}",
        f"/console/pedidos/{order['id']}/confirmar-pago",
        {"reason": ""},
    )

    assert page.status_code == 422
    assert expected.json()["errors"][0]["message"] in _text(page.text)
    assert 'class="field-error" id="confirm-reason-note"' in page.text
    assert (await order_of(app, order["id"], ops))["paymentState"] == "unpaid"


async def test_support_gets_no_staff_actions(app: FastAPI, catalog: Catalog) -> None:
    _, order, _ = await customer_order(app, catalog, "ana@example.com")
    browser = await staff_browser(app, "help@example.com", "support")

    page = await browser.get(f"/console/pedidos/{order['id']}")
    refused = await submit(
        browser,
        page.url.path,
        f"/console/pedidos/{order['id']}/confirmar-pago",
        {"reason": "Depósito en ventanilla"},
    )

    assert "/confirmar-pago" not in page.text
    assert "/cancelar" not in page.text
    assert refused.status_code == 403
    assert translate("es-MX", ForbiddenError.detail) in _text(refused.text)


async def test_action_without_csrf_token_is_refused(app: FastAPI, catalog: Catalog) -> None:
    _, order, _ = await customer_order(app, catalog, "ana@example.com")
    browser = await staff_browser(app, "ops@example.com", "operations")
    await csrf_of(browser, f"/console/pedidos/{order['id']}")

    response = await browser.post(
        f"/console/pedidos/{order['id']}/cancelar", data={"reason": "sin token"}
    )

    assert response.status_code == 403
    assert (await order_of(app, order["id"], await operator_headers(app)))["state"] == (
        "pending_payment"
    )


async def test_compliance_officer_cannot_open_orders(app: FastAPI, catalog: Catalog) -> None:
    browser = await staff_browser(app, "legal@example.com", "compliance_officer")

    page = await browser.get("/console/pedidos")

    assert page.status_code == 403


async def test_signed_out_visitor_goes_to_sign_in(app: FastAPI, catalog: Catalog) -> None:
    _, order, _ = await customer_order(app, catalog, "ana@example.com")

    response = await browser(app).get(f"/console/pedidos/{order['id']}")

    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/entrar?next=/console/pedidos/")


@pytest.mark.parametrize("order_id", ["no-es-un-id", "00000000-0000-0000-0000-000000000000"])
async def test_unknown_order_is_not_found(app: FastAPI, catalog: Catalog, order_id: str) -> None:
    browser = await staff_browser(app, "help@example.com", "support")

    page = await browser.get(f"/console/pedidos/{order_id}")

    assert page.status_code == 404
    assert "<!doctype html>" in page.text


async def test_detail_in_english_on_request(app: FastAPI, catalog: Catalog) -> None:
    _, order, _ = await customer_order(app, catalog, "ana@example.com")
    browser = await staff_browser(app, "help@example.com", "support")

    page = await browser.get(f"/console/pedidos/{order['id']}?lang=en")

    assert "Waiting for payment" in page.text
    assert "Instructions the customer received" in page.text
