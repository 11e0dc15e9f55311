"""CEP check of a received transfer, with cepmex pointed at a local stand-in of Banxico's
CEP site (never at Banxico)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI

from cuenty.payments.banks.settings import BankSettings
from cuenty.payments.models import ReceivedTransfer
from tests.commerce_support import person
from tests.payments.banks.support import MockServer, serve, slow

CEP_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<SPEI_Tercero FechaOperacion="2026-11-30" Hora="10:15:00" ClaveSPEI="90646"
  sello="c2VsbG8=" numeroCertificado="0001" cadenaCDA="||1|1|30112026|101500|BNET01">
  <Beneficiario BancoReceptor="STP" Nombre="CUENTY SA DE CV" TipoCuenta="40"
    Cuenta="646180157000000004" RFC="CUE200101AB1" Concepto="Pedido 1234567" IVA="0.00"
    MontoPago="299.00"/>
  <Ordenante BancoEmisor="BBVA MEXICO" Nombre="Ana Lopez" TipoCuenta="40"
    Cuenta="012180001234567897" RFC="LOAA800101AB1"/>
</SPEI_Tercero>"""
NOT_FOUND_HTML = "No se encontró ningún pago con la información proporcionada".encode()


def html(body: bytes = b"<html>ok</html>") -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "text/html; charset=utf-8"}, body


@pytest.fixture
def cep_site() -> Iterator[MockServer]:
    routes = {
        ("POST", "/cep/valida.do"): lambda _: html(),
        ("GET", "/cep/descarga.do"): lambda _: (200, {"Content-Type": "text/xml"}, CEP_XML),
    }
    with serve(MockServer(routes=routes)) as mock:
        yield mock


def use_cep(app: FastAPI, mock: MockServer, timeout: float = 2) -> None:
    app.state.bank_settings = BankSettings(
        _env_file=None,  # type: ignore[call-arg]
        cep_base_url=mock.url + "/cep",
        cep_timeout_seconds=timeout,
    )


async def add_transfer(app: FastAPI, **changes: object) -> uuid.UUID:
    values: dict[str, object] = {
        "natural_key": f"spei|BNET01|{uuid.uuid4().hex}",
        "source": "stp_notification",
        "tracking_key": "BNET01",
        "operation_date": date(2026, 11, 30),
        "sender_institution": "40012",
        "amount": Decimal("299.00"),
        "beneficiary_account": "646180157000000004",
        "received_at": datetime(2026, 11, 30, 16, 15, tzinfo=UTC),
    }
    values.update(changes)
    async with app.state.session_factory() as session, session.begin():
        transfer = ReceivedTransfer(**values)
        session.add(transfer)
    return transfer.id


async def stored(app: FastAPI, transfer_id: uuid.UUID) -> ReceivedTransfer:
    async with app.state.session_factory() as session:
        transfer = await session.get(ReceivedTransfer, transfer_id)
    assert transfer is not None
    return transfer


async def test_cep_validated_and_stored(
    client: httpx.AsyncClient, app: FastAPI, cep_site: MockServer
) -> None:
    use_cep(app, cep_site)
    headers = await person(client, "ops@example.com", "operations")
    transfer_id = await add_transfer(app)

    response = await client.post(f"/v1/payments/transfers/{transfer_id}/cep", headers=headers)

    assert response.status_code == 200
    assert response.json()["status"] == "validated"
    assert response.json()["details"]["senderName"] == "Ana Lopez"
    transfer = await stored(app, transfer_id)
    assert transfer.cep_status == "validated"
    assert transfer.cep_checked_at is not None
    assert transfer.cep_details is not None
    assert transfer.cep_details["amount"] == "299.00"


async def test_cep_sends_transfer_fields(
    client: httpx.AsyncClient, app: FastAPI, cep_site: MockServer
) -> None:
    use_cep(app, cep_site)
    headers = await person(client, "ops@example.com", "operations")
    transfer_id = await add_transfer(app, sender_institution="012")

    await client.post(f"/v1/payments/transfers/{transfer_id}/cep", headers=headers)

    form = cep_site.seen[0].body.decode()
    assert "criterio=BNET01" in form
    assert "fecha=30-11-2026" in form
    assert "emisor=40012" in form
    assert "receptor=90646" in form
    assert "monto=299.0" in form


async def test_cep_not_found_stored(
    client: httpx.AsyncClient, app: FastAPI, cep_site: MockServer
) -> None:
    cep_site.routes[("POST", "/cep/valida.do")] = lambda _: html(NOT_FOUND_HTML)
    use_cep(app, cep_site)
    headers = await person(client, "ops@example.com", "operations")
    transfer_id = await add_transfer(app)

    response = await client.post(f"/v1/payments/transfers/{transfer_id}/cep", headers=headers)

    assert response.status_code == 200
    assert response.json()["status"] == "not_found"
    assert (await stored(app, transfer_id)).cep_status == "not_found"


async def test_cep_site_error_is_502(
    client: httpx.AsyncClient, app: FastAPI, cep_site: MockServer
) -> None:
    cep_site.routes[("POST", "/cep/valida.do")] = lambda _: (500, {}, b"error interno")
    use_cep(app, cep_site)
    headers = await person(client, "ops@example.com", "operations")
    transfer_id = await add_transfer(app)

    response = await client.post(f"/v1/payments/transfers/{transfer_id}/cep", headers=headers)

    assert response.status_code == 502
    assert response.json()["code"] == "cep_unavailable"
    assert (await stored(app, transfer_id)).cep_status is None


async def test_cep_slow_site_is_504(
    client: httpx.AsyncClient, app: FastAPI, cep_site: MockServer
) -> None:
    cep_site.routes[("POST", "/cep/valida.do")] = slow(html(), 1.5)
    use_cep(app, cep_site, timeout=0.3)
    headers = await person(client, "ops@example.com", "operations")
    transfer_id = await add_transfer(app)

    response = await client.post(f"/v1/payments/transfers/{transfer_id}/cep", headers=headers)

    assert response.status_code == 504
    assert response.json()["code"] == "cep_timeout"


async def test_cep_missing_tracking_key_is_409(
    client: httpx.AsyncClient, app: FastAPI, cep_site: MockServer
) -> None:
    use_cep(app, cep_site)
    headers = await person(client, "ops@example.com", "operations")
    transfer_id = await add_transfer(app, tracking_key=None)

    response = await client.post(f"/v1/payments/transfers/{transfer_id}/cep", headers=headers)

    assert response.status_code == 409
    assert response.json()["code"] == "cep_data_missing"
    assert cep_site.seen == []


async def test_cep_unknown_transfer_is_404(
    client: httpx.AsyncClient, app: FastAPI, cep_site: MockServer
) -> None:
    use_cep(app, cep_site)
    headers = await person(client, "ops@example.com", "operations")

    response = await client.post(f"/v1/payments/transfers/{uuid.uuid4()}/cep", headers=headers)

    assert response.status_code == 404
    assert response.json()["code"] == "transfer_not_found"


async def test_cep_customer_forbidden(
    client: httpx.AsyncClient, app: FastAPI, cep_site: MockServer
) -> None:
    use_cep(app, cep_site)
    headers = await person(client, "ana@example.com", "customer")
    transfer_id = await add_transfer(app)

    response = await client.post(f"/v1/payments/transfers/{transfer_id}/cep", headers=headers)

    assert response.status_code == 403
    assert cep_site.seen == []
