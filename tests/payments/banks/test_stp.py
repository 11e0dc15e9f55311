"""STP client against a local STP that verifies every firma with the public key."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import SecretStr

from cuenty.payments.banks.base import BankUpstreamError
from cuenty.payments.banks.settings import BankSettings
from cuenty.payments.banks.stp import (
    ORDER_SIGNATURE_FIELDS,
    StpGateway,
    StpOrder,
    StpOrderRejectedError,
    StpSigner,
    cadena_original,
)
from tests.payments.banks.support import MockServer, StpState, make_key_pair, serve, stp_routes

PASSPHRASE = "clave-de-prueba"
ACCOUNT = "646180157000000004"


@pytest.fixture
def stp(tmp_path: Path) -> Iterator[tuple[MockServer, StpState, BankSettings]]:
    key_path, public_key = make_key_pair(tmp_path, PASSPHRASE)
    state = StpState(public_key=public_key)
    with serve(MockServer(routes=stp_routes(state))) as mock:
        settings = BankSettings(
            _env_file=None,  # type: ignore[call-arg]
            stp_base_url=mock.url,
            stp_empresa="CUENTY",
            stp_private_key_path=key_path,
            stp_private_key_passphrase=SecretStr(PASSPHRASE),
        )
        yield mock, state, settings


def refund_order() -> StpOrder:
    return StpOrder(
        clave_rastreo="CUENTYDEV0001",
        monto=Decimal("150.5"),
        concepto_pago="Reembolso pedido 1234567",
        cuenta_beneficiario="012180001234567897",
        nombre_beneficiario="Ana Lopez",
        institucion_contraparte="40012",
        cuenta_ordenante=ACCOUNT,
        referencia_numerica=1234567,
        nombre_ordenante="CUENTY SA DE CV",
    )


def test_cadena_formats_fields() -> None:
    assert cadena_original(["CUENTY", Decimal("5"), None, 7]) == "||CUENTY|5.00||7||"


def test_cadena_rejects_float() -> None:
    with pytest.raises(TypeError):
        cadena_original([1.5])


def test_order_cadena_follows_stp_order() -> None:
    fields = refund_order().wire_fields("CUENTY")

    cadena = cadena_original([fields.get(name) for name in ORDER_SIGNATURE_FIELDS])
    expected = (
        "||40012|CUENTY|||CUENTYDEV0001|90646|150.50|1|40|CUENTY SA DE CV|646180157000000004|"
        "|40|Ana Lopez|012180001234567897|ND||||||Reembolso pedido 1234567||||||1234567||||||"
        "||"
    )
    assert cadena == expected


async def test_balance_signed_and_mapped(stp: tuple[MockServer, StpState, BankSettings]) -> None:
    mock, state, settings = stp
    state.balances[ACCOUNT] = {"saldo": 1500.25, "cargosPendientes": 100}

    balance = await StpGateway(settings).balance(ACCOUNT)

    assert balance.booked == Decimal("1500.25")
    assert balance.available == Decimal("1400.25")
    assert balance.currency == "MXN"
    assert mock.seen[0].json()["empresa"] == "CUENTY"


async def test_balance_with_wrong_key_rejected(
    stp: tuple[MockServer, StpState, BankSettings], tmp_path: Path
) -> None:
    _, state, settings = stp
    state.balances[ACCOUNT] = {"saldo": 10}
    other_folder = tmp_path / "other"
    other_folder.mkdir()
    other_key, _ = make_key_pair(other_folder, PASSPHRASE)
    gateway = StpGateway(settings, signer=StpSigner.from_pem_file(other_key, PASSPHRASE))

    with pytest.raises(BankUpstreamError):
        await gateway.balance(ACCOUNT)


async def test_transactions_pages_and_signs(
    stp: tuple[MockServer, StpState, BankSettings],
) -> None:
    mock, state, settings = stp
    received = [
        {
            "idEF": 1,
            "claveRastreo": "BNET1",
            "monto": 299.0,
            "cuentaBeneficiario": ACCOUNT,
            "cuentaOrdenante": "012180001234567897",
            "conceptoPago": "Pedido",
            "referenciaNumerica": 1234567,
            "fechaOperacion": "20261130",
        },
        {
            "idEF": 2,
            "claveRastreo": "BNET2",
            "monto": 10,
            "cuentaBeneficiario": "646180157000000099",
            "cuentaOrdenante": "012180001234567897",
            "fechaOperacion": "20261130",
        },
    ]
    state.orders[("R", "20261130")] = [received, [{**received[0], "idEF": 3, "monto": 1.1}]]
    state.orders[("E", "20261201")] = [
        [
            {
                "idEF": 4,
                "claveRastreo": "CUENTY1",
                "monto": 50,
                "cuentaOrdenante": ACCOUNT,
                "cuentaBeneficiario": "012180001234567897",
                "fechaOperacion": "20261201",
            }
        ]
    ]

    found = await StpGateway(settings).transactions(ACCOUNT, date(2026, 11, 30), date(2026, 12, 1))

    assert [item.id for item in found] == ["1", "3", "4"]
    assert [item.amount for item in found] == [
        Decimal("299.00"),
        Decimal("1.10"),
        Decimal("-50.00"),
    ]
    assert found[0].numeric_reference == "1234567"
    assert found[2].counterparty_account == "012180001234567897"
    assert mock.count("/efws/API/V2/conciliacion") == 5


async def test_register_order_signed(stp: tuple[MockServer, StpState, BankSettings]) -> None:
    mock, _, settings = stp

    stp_id = await StpGateway(settings).register_order(refund_order())

    assert stp_id == 9002
    assert mock.seen[0].json()["monto"] == 150.5


async def test_register_order_wrong_key_rejected(
    stp: tuple[MockServer, StpState, BankSettings], tmp_path: Path
) -> None:
    _, _, settings = stp
    other_folder = tmp_path / "other"
    other_folder.mkdir()
    other_key, _ = make_key_pair(other_folder, PASSPHRASE)
    gateway = StpGateway(settings, signer=StpSigner.from_pem_file(other_key, PASSPHRASE))

    with pytest.raises(StpOrderRejectedError) as caught:
        await gateway.register_order(refund_order())

    assert caught.value.description == "Error validando la firma"
