"""The reconciliation page: statement upload and its report, the automatic run, the review
queue with manual match and unmatch, and customer credits."""

from __future__ import annotations

import html
import json
import re
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cuenty.kit import locks
from cuenty.kit.errors import PayloadTooLargeError
from cuenty.kit.i18n import translate
from cuenty.kit.money import format_mxn
from cuenty.payments import reconciliation
from cuenty.payments.operations_endpoints import ALREADY_RUNNING
from tests.commerce_support import Catalog, seed_catalog
from tests.conftest import TestDatabase
from tests.console.orders_support import (
    api_call,
    customer_order,
    enable_payments,
    operator_headers,
    order_of,
)
from tests.console.support import csrf_of, staff_browser, submit
from tests.jobs.support import reset_procrastinate
from tests.payments.support import stp_list, stp_list_entry

PAGE = "/console/conciliacion"
UNMATCHED = "/v1/payments/reconciliation/unmatched"
OTHER_CLABE = "646180157099999990"
STP_SAMPLE = "stp/consulta_recibidas_20230825.json"


@pytest.fixture(autouse=True)
async def clean_job_queue(database: TestDatabase) -> AsyncIterator[None]:
    await reset_procrastinate(database.engine)
    yield


@pytest.fixture
async def catalog(app: FastAPI) -> Catalog:
    enable_payments(app)
    return await seed_catalog(app)


def _text(page: str) -> str:
    return html.unescape(page)


def _amount(order: dict[str, Any], extra: str = "0") -> str:
    return f"{Decimal(str(order['total'])) + Decimal(extra):.2f}"


def _deposits(*entries: tuple[str, str, str]) -> bytes:
    """An STP deposit list with (CLABE, amount, tracking key) entries."""
    return stp_list(*(stp_list_entry(clabe, amount, key) for clabe, amount, key in entries))


async def _upload(
    browser: httpx.AsyncClient, name: str, data: bytes, bank: str = ""
) -> httpx.Response:
    token = await csrf_of(browser, PAGE)
    return await browser.post(
        PAGE + "/estados",
        data={"csrf_token": token, "bank": bank},
        files={"file": (name, data, "application/octet-stream")},
    )


async def _in_review(app: FastAPI, browser: httpx.AsyncClient, amount: str, key: str) -> str:
    """Upload a deposit that no rule can match, run the matching, and return its id."""
    await _upload(browser, "recibidas.json", _deposits((OTHER_CLABE, amount, key)))
    await submit(browser, PAGE, PAGE + "/automatica", {})
    listed = await api_call(app, "GET", UNMATCHED, await operator_headers(app))
    found = [item for item in listed.json()["items"] if item["trackingKey"] == key]
    assert [item["state"] for item in found] == ["review"]
    return str(found[0]["id"])


async def _match(
    browser: httpx.AsyncClient, transfer_id: str, fields: dict[str, str]
) -> httpx.Response:
    return await submit(browser, PAGE, f"{PAGE}/depositos/{transfer_id}/asociar", fields)


def _report_value(page: str, label: str) -> str:
    found = re.search(rf"<dt>{re.escape(label)}</dt><dd>([^<]*)</dd>", _text(page))
    assert found is not None, f"no {label} in the report"
    return found.group(1)


async def test_support_cannot_open_reconciliation(app: FastAPI, catalog: Catalog) -> None:
    browser = await staff_browser(app, "help@example.com", "support")

    page = await browser.get(PAGE)

    assert page.status_code == 403


async def test_operations_sees_the_page(app: FastAPI, catalog: Catalog) -> None:
    browser = await staff_browser(app, "ops@example.com", "operations")

    page = await browser.get(PAGE)

    assert page.status_code == 200
    assert "Cola de revisión" in page.text
    assert "Saldos a favor de clientes" in page.text
    assert 'enctype="multipart/form-data"' in page.text
    assert 'data-busy="Subiendo…"' in page.text


async def test_upload_shows_the_report(app: FastAPI, catalog: Catalog) -> None:
    _, order, instructions = await customer_order(app, catalog, "ana@example.com")
    browser = await staff_browser(app, "ops@example.com", "operations")
    data = _deposits(
        (instructions["clabe"], _amount(order), "MBANCONSOLA0001"),
        (OTHER_CLABE, "12.34", "MBANCONSOLA0002"),
    )

    page = await _upload(browser, "recibidas.json", data)

    assert page.status_code == 200
    assert _report_value(page.text, "Formato") == "stp-recibidas"
    assert _report_value(page.text, "Líneas leídas") == "2"
    assert _report_value(page.text, "Abonos") == "2"
    assert _report_value(page.text, "Depósitos nuevos por asociar") == "2"
    assert _report_value(page.text, "Duplicados (ya importados)") == "0"
    assert _report_value(page.text, "Líneas con errores") == "0"


async def test_upload_again_counts_duplicates(app: FastAPI, catalog: Catalog) -> None:
    browser = await staff_browser(app, "ops@example.com", "operations")
    data = _deposits((OTHER_CLABE, "12.34", "MBANCONSOLA0003"))
    await _upload(browser, "recibidas.json", data)

    page = await _upload(browser, "recibidas.json", data)

    assert _report_value(page.text, "Duplicados (ya importados)") == "1"
    assert _report_value(page.text, "Depósitos nuevos por asociar") == "0"


async def test_shared_stp_sample_shows_its_report(
    app: FastAPI, catalog: Catalog, shared_data: Path
) -> None:
    path = shared_data / STP_SAMPLE
    if not path.is_file():
        pytest.skip(f"shared sample {path} is absent")
    listed = len(json.loads(path.read_bytes())["resultado"]["lst"])
    browser = await staff_browser(app, "ops@example.com", "operations")

    page = await _upload(browser, path.name, path.read_bytes())

    assert page.status_code == 200
    assert _report_value(page.text, "Formato") == "stp-recibidas"
    assert _report_value(page.text, "Líneas leídas") == str(listed)


async def test_bad_file_shows_the_api_message(app: FastAPI, catalog: Catalog) -> None:
    data = b"\x00\xff\xfe no es un estado de cuenta \x01\x02"
    files = {"file": ("movimientos.csv", data, "text/csv")}
    ops = await operator_headers(app)
    expected = await api_call(app, "POST", "/v1/payments/statements", ops, files=files)
    browser = await staff_browser(app, "ops@example.com", "operations")

    page = await _upload(browser, "movimientos.csv", data)

    assert page.status_code == 422
    assert expected.json()["detail"] in _text(page.text)


async def test_unknown_bank_shows_the_field_message(app: FastAPI, catalog: Catalog) -> None:
    data = _deposits((OTHER_CLABE, "12.34", "MBANCONSOLA0004"))
    browser = await staff_browser(app, "ops@example.com", "operations")

    page = await _upload(browser, "recibidas.json", data, bank="hsbc")

    assert page.status_code == 422
    assert 'class="field-error" id="statement-bank-note"' in page.text
    assert "stp, bbva, santander, banorte" in page.text


async def test_too_large_file_shows_the_api_message(app: FastAPI, catalog: Catalog) -> None:
    limit = 20 * 1024 * 1024
    browser = await staff_browser(app, "ops@example.com", "operations")

    page = await _upload(browser, "enorme.csv", b"0" * (limit + 1))

    assert page.status_code == 413
    assert translate("es-MX", PayloadTooLargeError.detail, limit=limit) in _text(page.text)


async def test_run_now_pays_the_order(app: FastAPI, catalog: Catalog) -> None:
    _, order, instructions = await customer_order(app, catalog, "ana@example.com")
    browser = await staff_browser(app, "ops@example.com", "operations")
    data = _deposits((instructions["clabe"], _amount(order), "MBANCONSOLA0005"))
    await _upload(browser, "recibidas.json", data)

    page = await submit(browser, PAGE, PAGE + "/automatica", {})

    assert page.status_code == 200
    assert translate("es-MX", "Reconciliation completed") in page.text
    assert _report_value(page.text, "Depósitos asociados") == "1"
    ops = await operator_headers(app)
    assert (await order_of(app, order["id"], ops))["paymentState"] == "paid"


async def test_run_during_another_shows_the_warning(app: FastAPI, catalog: Catalog) -> None:
    lease = await locks.acquire(
        app.state.session_factory,
        reconciliation.RUN_LOCK,
        owner="job-run",
        ttl=reconciliation.RUN_LEASE,
    )
    assert lease is not None
    browser = await staff_browser(app, "ops@example.com", "operations")

    page = await submit(browser, PAGE, PAGE + "/automatica", {})

    assert page.status_code == 200
    assert f'notice-warn" role="status">{translate("es-MX", ALREADY_RUNNING)}' in page.text
    assert 'id="run-report-title"' not in page.text


async def test_deposit_in_review_matched_by_hand(app: FastAPI, catalog: Catalog) -> None:
    _, order, _ = await customer_order(app, catalog, "ana@example.com")
    browser = await staff_browser(app, "ops@example.com", "operations")
    transfer_id = await _in_review(app, browser, _amount(order), "MBANCONSOLA0006")

    queue = await browser.get(PAGE)
    response = await _match(
        browser, transfer_id, {"orderId": order["id"], "reason": "El cliente envió comprobante"}
    )
    after = await browser.get(response.headers["location"])

    assert f'name="orderId" value="{order["id"]}"' in queue.text
    assert order["number"] in queue.text
    assert response.status_code == 303
    assert f"order={order['id']}" in response.headers["location"]
    assert f"El depósito se asoció al pedido {order['number']}" in _text(after.text)
    ops = await operator_headers(app)
    assert (await order_of(app, order["id"], ops))["paymentState"] == "paid"


async def test_match_without_reason_shows_the_field_message(app: FastAPI, catalog: Catalog) -> None:
    _, order, _ = await customer_order(app, catalog, "ana@example.com")
    browser = await staff_browser(app, "ops@example.com", "operations")
    transfer_id = await _in_review(app, browser, _amount(order), "MBANCONSOLA0007")
    ops = await operator_headers(app)
    path = f"/v1/payments/reconciliation/transfers/{transfer_id}/match"
    body = {"orderId": order["id"], "reason": ""}
    expected = await api_call(app, "POST", path, ops, json=body)

    page = await _match(browser, transfer_id, {"orderId": order["id"], "reason": ""})

    assert page.status_code == 422
    assert f'class="field-error" id="reason-{transfer_id}-note"' in page.text
    assert expected.json()["errors"][0]["message"] in _text(page.text)
    assert (await order_of(app, order["id"], ops))["paymentState"] == "unpaid"


async def test_unmatch_with_reason_returns_to_review(app: FastAPI, catalog: Catalog) -> None:
    _, order, _ = await customer_order(app, catalog, "ana@example.com")
    browser = await staff_browser(app, "ops@example.com", "operations")
    transfer_id = await _in_review(app, browser, "10.00", "MBANCONSOLA0008")
    matched = await _match(browser, transfer_id, {"orderId": order["id"], "reason": "Abono"})
    match_id = re.search(r"match=([0-9a-f-]+)", matched.headers["location"])
    assert match_id is not None
    after = await browser.get(matched.headers["location"])

    response = await submit(
        browser,
        PAGE,
        PAGE + "/deshacer",
        {"matchId": match_id.group(1), "reason": "Pedido equivocado"},
    )

    assert f'value="{match_id.group(1)}"' in after.text
    assert response.status_code == 303
    assert response.headers["location"] == PAGE + "?undone=1"
    listed = await api_call(app, "GET", UNMATCHED, await operator_headers(app))
    assert [(item["id"], item["state"]) for item in listed.json()["items"]] == [
        (transfer_id, "review")
    ]


async def test_unmatch_without_reason_shows_the_field_message(
    app: FastAPI, catalog: Catalog
) -> None:
    _, order, _ = await customer_order(app, catalog, "ana@example.com")
    browser = await staff_browser(app, "ops@example.com", "operations")
    transfer_id = await _in_review(app, browser, "10.00", "MBANCONSOLA0009")
    matched = await _match(browser, transfer_id, {"orderId": order["id"], "reason": "Abono"})
    match_id = matched.headers["location"].split("match=")[1].split("&")[0]
    ops = await operator_headers(app)
    path = f"/v1/payments/reconciliation/matches/{match_id}/unmatch"
    expected = await api_call(app, "POST", path, ops, json={"reason": ""})

    page = await submit(browser, PAGE, PAGE + "/deshacer", {"matchId": match_id, "reason": ""})

    assert page.status_code == 422
    assert 'class="field-error" id="unmatch-reason-note"' in page.text
    assert expected.json()["errors"][0]["message"] in _text(page.text)


async def test_unmatch_of_a_paid_order_shows_the_api_message(
    app: FastAPI, catalog: Catalog
) -> None:
    _, order, _ = await customer_order(app, catalog, "ana@example.com")
    browser = await staff_browser(app, "ops@example.com", "operations")
    transfer_id = await _in_review(app, browser, _amount(order), "MBANCONSOLA0010")
    matched = await _match(browser, transfer_id, {"orderId": order["id"], "reason": "Abono"})
    match_id = matched.headers["location"].split("match=")[1].split("&")[0]
    ops = await operator_headers(app)
    path = f"/v1/payments/reconciliation/matches/{match_id}/unmatch"
    expected = await api_call(app, "POST", path, ops, json={"reason": "Pedido equivocado"})

    page = await submit(
        browser, PAGE, PAGE + "/deshacer", {"matchId": match_id, "reason": "Pedido equivocado"}
    )

    assert page.status_code == 409
    assert expected.json()["detail"] in _text(page.text)


async def test_malformed_match_id_is_explained(app: FastAPI, catalog: Catalog) -> None:
    browser = await staff_browser(app, "ops@example.com", "operations")

    page = await submit(
        browser, PAGE, PAGE + "/deshacer", {"matchId": "CTY-123", "reason": "Pedido equivocado"}
    )

    assert page.status_code == 422
    assert 'class="field-error" id="unmatch-id-note"' in page.text


async def test_match_without_csrf_token_is_refused(app: FastAPI, catalog: Catalog) -> None:
    _, order, _ = await customer_order(app, catalog, "ana@example.com")
    browser = await staff_browser(app, "ops@example.com", "operations")
    transfer_id = await _in_review(app, browser, _amount(order), "MBANCONSOLA0011")

    response = await browser.post(
        f"{PAGE}/depositos/{transfer_id}/asociar",
        data={"orderId": order["id"], "reason": "Sin token"},
    )

    assert response.status_code == 403
    ops = await operator_headers(app)
    assert (await order_of(app, order["id"], ops))["paymentState"] == "unpaid"


async def test_upload_without_csrf_token_is_refused(app: FastAPI, catalog: Catalog) -> None:
    browser = await staff_browser(app, "ops@example.com", "operations")
    await csrf_of(browser, PAGE)
    data = _deposits((OTHER_CLABE, "12.34", "MBANCONSOLA0012"))

    response = await browser.post(
        PAGE + "/estados", files={"file": ("recibidas.json", data, "application/json")}
    )

    assert response.status_code == 403
    listed = await api_call(app, "GET", UNMATCHED, await operator_headers(app))
    assert listed.json()["items"] == []


async def test_overpayment_shows_as_customer_credit(app: FastAPI, catalog: Catalog) -> None:
    _, order, _ = await customer_order(app, catalog, "ana@example.com")
    browser = await staff_browser(app, "ops@example.com", "operations")
    transfer_id = await _in_review(app, browser, _amount(order, "5"), "MBANCONSOLA0013")
    await _match(browser, transfer_id, {"orderId": order["id"], "reason": "Pagó de más"})

    page = await browser.get(PAGE)
    credits = _text(page.text).split('id="credits-title"')[1]

    assert format_mxn(Decimal("5.00")) in credits
    assert "Disponible" in credits
    assert f"/console/pedidos/{order['id']}" in credits
