"""OAuth2 adapters against a local bank API: token caching and refresh, JSON mapping, and
upstream failures turned into 502/504."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import SecretStr

from cuenty.payments.banks.banorte import BanorteGateway
from cuenty.payments.banks.base import (
    BankTimeoutError,
    BankUpstreamError,
    OperationNotOfferedError,
)
from cuenty.payments.banks.bbva import BbvaGateway
from cuenty.payments.banks.santander import SantanderGateway
from cuenty.payments.banks.settings import BankSettings, OAuthBankConfig
from tests.payments.banks.support import (
    MockServer,
    OAuthState,
    json_reply,
    make_tls_files,
    oauth_routes,
    serve,
    server_tls,
    slow,
)

ACCOUNT = "0123456789"
SANTANDER_PATHS = {
    f"/accounts/{ACCOUNT}/balances": "balance",
    f"/accounts/{ACCOUNT}/transactions": "transactions",
    f"/accounts/{ACCOUNT}/scheduled-payments": "scheduled",
}
SANTANDER_DOCUMENTS = {
    "balance": {
        "availableBalance": "1500.10",
        "ledgerBalance": 1600.2,
        "currency": "MXN",
        "balanceDateTime": "2026-11-30T10:00:00-06:00",
    },
    "transactions": {
        "transactions": [
            {
                "transactionId": "T1",
                "bookingDate": "2026-11-30",
                "amount": "299.00",
                "creditDebitIndicator": "CREDIT",
                "remittanceInformation": "Pedido 1234567",
                "trackingKey": "BNET1",
                "numericReference": "1234567",
            },
            {
                "transactionId": "T2",
                "bookingDate": "2026-11-30",
                "amount": 45.5,
                "creditDebitIndicator": "DEBIT",
                "remittanceInformation": "Comision",
            },
        ]
    },
    "scheduled": {
        "scheduledPayments": [
            {
                "paymentId": "P1",
                "executionDate": "2026-12-01",
                "amount": "99.00",
                "currency": "MXN",
                "beneficiaryName": "Proveedor",
                "status": "SCHEDULED",
            }
        ]
    },
}


def settings_for(bank: str, url: str, **overrides: object) -> BankSettings:
    values: dict[str, object] = {
        f"{bank}_base_url": url,
        f"{bank}_token_url": url + "/oauth/token",
        f"{bank}_client_id": "cuenty-client",
        f"{bank}_client_secret": SecretStr("s3cret-value"),
        "timeout_seconds": 2,
    }
    values.update(overrides)
    return BankSettings(_env_file=None, **values)  # type: ignore[arg-type]


def config_for(bank: str, url: str, **overrides: object) -> OAuthBankConfig:
    config = settings_for(bank, url, **overrides).oauth(bank)
    assert config is not None
    return config


@pytest.fixture
def santander() -> Iterator[tuple[MockServer, OAuthState]]:
    state = OAuthState(documents=dict(SANTANDER_DOCUMENTS))
    with serve(MockServer(routes=oauth_routes(state, SANTANDER_PATHS))) as mock:
        yield mock, state


async def test_token_cached_across_requests(santander: tuple[MockServer, OAuthState]) -> None:
    mock, state = santander
    gateway = SantanderGateway(config_for("santander", mock.url))

    for _ in range(3):
        await gateway.balance(ACCOUNT)

    assert state.issued == ["token-1"]


async def test_short_lived_token_renewed(santander: tuple[MockServer, OAuthState]) -> None:
    mock, state = santander
    state.expires_in = 10  # inside the renewal margin, so each request gets a new token
    gateway = SantanderGateway(config_for("santander", mock.url))

    await gateway.balance(ACCOUNT)
    await gateway.balance(ACCOUNT)

    assert state.issued == ["token-1", "token-2"]


async def test_rejected_token_refreshed_once(santander: tuple[MockServer, OAuthState]) -> None:
    mock, state = santander
    gateway = SantanderGateway(config_for("santander", mock.url))
    await gateway.balance(ACCOUNT)
    state.revoked.add("token-1")

    balance = await gateway.balance(ACCOUNT)

    assert balance.available == Decimal("1500.10")
    assert state.issued == ["token-1", "token-2"]


async def test_persistent_401_retried_only_once(
    santander: tuple[MockServer, OAuthState],
) -> None:
    mock, state = santander
    path = f"/accounts/{ACCOUNT}/balances"
    mock.routes[("GET", path)] = lambda _: json_reply({"error": "invalid_token"}, 401)
    gateway = SantanderGateway(config_for("santander", mock.url))

    with pytest.raises(BankUpstreamError):
        await gateway.balance(ACCOUNT)

    assert mock.count(path) == 2
    assert len(state.issued) == 2


async def test_wrong_client_secret_is_502(santander: tuple[MockServer, OAuthState]) -> None:
    mock, _ = santander
    config = config_for("santander", mock.url, santander_client_secret=SecretStr("wrong"))

    with pytest.raises(BankUpstreamError):
        await SantanderGateway(config).balance(ACCOUNT)


async def test_santander_maps_json(santander: tuple[MockServer, OAuthState]) -> None:
    mock, _ = santander
    gateway = SantanderGateway(config_for("santander", mock.url))

    balance = await gateway.balance(ACCOUNT)
    found = await gateway.transactions(ACCOUNT, date(2026, 11, 30), date(2026, 11, 30))
    scheduled = await gateway.scheduled_payments(ACCOUNT)

    assert balance.booked == Decimal("1600.20")
    assert balance.as_of.isoformat() == "2026-11-30T16:00:00+00:00"
    assert [item.amount for item in found] == [Decimal("299.00"), Decimal("-45.50")]
    assert found[0].tracking_key == "BNET1"
    assert scheduled[0].amount == Decimal("99.00")
    assert scheduled[0].date == date(2026, 12, 1)
    query = mock.seen[-2].query
    assert query == {"fromDate": ["2026-11-30"], "toDate": ["2026-11-30"]}


async def test_bbva_maps_json() -> None:
    state = OAuthState(
        documents={
            "balance": {
                "data": {
                    "availableBalance": {"amount": "10.00", "currency": "MXN"},
                    "currentBalance": {"amount": "12.50", "currency": "MXN"},
                }
            },
            "transactions": {
                "data": [
                    {
                        "id": "B1",
                        "operationDate": "2026-11-29",
                        "amount": {"amount": "-3.10"},
                        "description": "Cargo",
                        "counterpartAccount": "012180001234567897",
                    }
                ]
            },
        }
    )
    paths = {
        f"/accounts/{ACCOUNT}/balances": "balance",
        f"/accounts/{ACCOUNT}/transactions": "transactions",
    }
    with serve(MockServer(routes=oauth_routes(state, paths))) as mock:
        gateway = BbvaGateway(config_for("bbva", mock.url))
        balance = await gateway.balance(ACCOUNT)
        found = await gateway.transactions(ACCOUNT, date(2026, 11, 1), date(2026, 11, 30))
        with pytest.raises(OperationNotOfferedError):
            await gateway.scheduled_payments(ACCOUNT)

    assert balance.available == Decimal("10.00")
    assert balance.booked == Decimal("12.50")
    assert found[0].amount == Decimal("-3.10")
    assert found[0].counterparty_account == "012180001234567897"


async def test_banorte_maps_json() -> None:
    state = OAuthState(
        documents={
            "balance": {"saldoDisponible": "5.00", "saldoContable": "6.00", "moneda": "MXN"},
            "transactions": {
                "movimientos": [
                    {
                        "folio": "F1",
                        "fecha": "2026-11-30",
                        "importe": "20.00",
                        "tipo": "ABONO",
                        "concepto": "SPEI",
                        "claveRastreo": "BNET9",
                    },
                    {"folio": "F2", "fecha": "2026-11-30", "importe": "2.00", "tipo": "CARGO"},
                ]
            },
        }
    )
    paths = {
        f"/cuentas/{ACCOUNT}/saldo": "balance",
        f"/cuentas/{ACCOUNT}/movimientos": "transactions",
    }
    with serve(MockServer(routes=oauth_routes(state, paths))) as mock:
        gateway = BanorteGateway(config_for("banorte", mock.url))
        balance = await gateway.balance(ACCOUNT)
        found = await gateway.transactions(ACCOUNT, date(2026, 11, 30), date(2026, 11, 30))

    assert balance.available == Decimal("5.00")
    assert [item.amount for item in found] == [Decimal("20.00"), Decimal("-2.00")]


async def test_upstream_500_is_502(santander: tuple[MockServer, OAuthState]) -> None:
    mock, _ = santander
    body = b"internal stack trace with secrets"
    mock.routes[("GET", f"/accounts/{ACCOUNT}/balances")] = lambda _: (500, {}, body)

    with pytest.raises(BankUpstreamError) as caught:
        await SantanderGateway(config_for("santander", mock.url)).balance(ACCOUNT)

    assert "stack trace" not in str(caught.value)


async def test_unexpected_json_is_502(santander: tuple[MockServer, OAuthState]) -> None:
    mock, state = santander
    state.documents["balance"] = {"saldo": "1"}

    with pytest.raises(BankUpstreamError):
        await SantanderGateway(config_for("santander", mock.url)).balance(ACCOUNT)


async def test_html_body_is_502(santander: tuple[MockServer, OAuthState]) -> None:
    mock, _ = santander
    mock.routes[("GET", f"/accounts/{ACCOUNT}/balances")] = lambda _: (200, {}, b"<html>")

    with pytest.raises(BankUpstreamError):
        await SantanderGateway(config_for("santander", mock.url)).balance(ACCOUNT)


async def test_slow_bank_is_504(santander: tuple[MockServer, OAuthState]) -> None:
    mock, _ = santander
    path = f"/accounts/{ACCOUNT}/balances"
    mock.routes[("GET", path)] = slow(json_reply(SANTANDER_DOCUMENTS["balance"]), 1.5)
    config = config_for("santander", mock.url, timeout_seconds=0.3)

    with pytest.raises(BankTimeoutError):
        await SantanderGateway(config).balance(ACCOUNT)


async def test_closed_port_is_502() -> None:
    with serve(MockServer()) as mock:
        url = mock.url
    # The server is stopped, so nothing listens on its port any more.
    with pytest.raises(BankUpstreamError):
        await SantanderGateway(config_for("santander", url)).balance(ACCOUNT)


async def test_mutual_tls_presents_certificate(tmp_path: Path) -> None:
    files = make_tls_files(tmp_path)
    state = OAuthState(documents=dict(SANTANDER_DOCUMENTS))
    mock = MockServer(routes=oauth_routes(state, SANTANDER_PATHS))
    with serve(mock, tls=server_tls(files)):
        with_cert = config_for(
            "santander",
            mock.url,
            santander_cert_path=files.client_cert,
            santander_key_path=files.client_key,
            santander_ca_path=files.ca,
        )
        without_cert = config_for("santander", mock.url, santander_ca_path=files.ca)

        balance = await SantanderGateway(with_cert).balance(ACCOUNT)
        with pytest.raises(BankUpstreamError):
            await SantanderGateway(without_cert).balance(ACCOUNT)

    assert balance.available == Decimal("1500.10")
