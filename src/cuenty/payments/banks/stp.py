"""STP (Sistema de Transferencias y Pagos) client: account balance, conciliation of received
and sent orders, and signed order registration (`registraOrden`).

Every request carries `firma`: the "cadena original" (`||` + fields joined by `|` + `||`,
amounts with two decimals, an empty string for a missing field) signed with RSA PKCS#1
v1.5 over SHA-256 and encoded in base64. Field orders and their sources:

- registraOrden: the 34 fields of `ORDER_SIGNATURE_FIELDS`, in the order of `ORDEN_FIELDNAMES`
  in the stpmex package (github.com/cuenca-mx/stpmex-python, stpmex/auth.py), which points
  to STP's "Firmas electrónicas" help article. Response: `{"resultado": {"id": 123}}`, or
  `{"resultado": {"id": <= 0, "descripcionError": "..."}}` when STP rejects the order
  (stpmex/client.py of the same package).
- consultaSaldoCuenta: `||empresa|cuentaOrdenante|fecha||`, the date empty for today, as
  public integrations post it to `/efws/API/consultaSaldoCuenta`. Assumed response:
  `{"estado": 0, "mensaje": "...", "respuesta": {"saldo": 1500.00, "cargosPendientes": 0}}`.
- conciliación (V2): `||empresa|tipoOrden|fechaOperacion||` with `tipoOrden` "R" (received)
  or "E" (sent) and `fechaOperacion` as YYYYMMDD, empty for the current operation day, as
  public integrations sign it. Response: `{"estado": 0, "mensaje": "...", "datos": [...],
  "total": n}`, each order with `idEF`, `claveRastreo`, `monto`, `cuentaBeneficiario`,
  `cuentaOrdenante`, `conceptoPago`, `referenciaNumerica`, `fechaOperacion`.

NOTE: STP publishes its reference to customers only. These field orders were checked
against the public sources named above, not against STP's own pages.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import structlog
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from cuenty.kit.clock import business_date, utc_now
from cuenty.kit.money import CENT
from cuenty.payments.banks.base import Balance, BankGateway, BankTransaction, BankUpstreamError
from cuenty.payments.banks.http import (
    check_status,
    http_client,
    optional_text,
    read_json,
    send,
    to_amount,
    to_date,
    unexpected_shape,
)
from cuenty.payments.banks.settings import BankSettings

log = structlog.get_logger(__name__)

STP_INSTITUTION = "90646"
ORDER_SIGNATURE_FIELDS = (
    "institucionContraparte",
    "empresa",
    "fechaOperacion",
    "folioOrigen",
    "claveRastreo",
    "institucionOperante",
    "monto",
    "tipoPago",
    "tipoCuentaOrdenante",
    "nombreOrdenante",
    "cuentaOrdenante",
    "rfcCurpOrdenante",
    "tipoCuentaBeneficiario",
    "nombreBeneficiario",
    "cuentaBeneficiario",
    "rfcCurpBeneficiario",
    "emailBeneficiario",
    "tipoCuentaBeneficiario2",
    "nombreBeneficiario2",
    "cuentaBeneficiario2",
    "rfcCurpBeneficiario2",
    "conceptoPago",
    "conceptoPago2",
    "claveCatUsuario1",
    "claveCatUsuario2",
    "clavePago",
    "referenciaCobranza",
    "referenciaNumerica",
    "tipoOperacion",
    "topologia",
    "usuario",
    "medioEntrega",
    "prioridad",
    "iva",
)


def cadena_original(values: Sequence[object]) -> str:
    """Join values into STP's "cadena original"; Decimals get two places, None is empty."""
    return "||" + "|".join(_field_text(value) for value in values) + "||"


def _field_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        raise TypeError("amounts must be Decimal, not float")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


class StpSigner:
    """Signs cadenas with the company's STP private key (RSA, PKCS#1 v1.5, SHA-256)."""

    def __init__(self, key: rsa.RSAPrivateKey) -> None:
        self._key = key

    @classmethod
    def from_pem_file(cls, path: Path, passphrase: str | None) -> StpSigner:
        password = passphrase.encode("utf-8") if passphrase else None
        key = serialization.load_pem_private_key(path.read_bytes(), password=password)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError(f"{path} does not contain an RSA private key")
        return cls(key)

    def sign(self, cadena: str) -> str:
        signature = self._key.sign(cadena.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode("ascii")


@dataclass(frozen=True)
class StpOrder:
    """An outgoing SPEI order, with STP's field names as keys of `wire_fields()`.

    `tipo_cuenta_beneficiario` is 40 for a CLABE, 3 for a debit card and 10 for a phone
    number; `tipo_pago` 1 is a third-party payment.
    """

    clave_rastreo: str
    monto: Decimal
    concepto_pago: str
    cuenta_beneficiario: str
    nombre_beneficiario: str
    institucion_contraparte: str
    cuenta_ordenante: str
    referencia_numerica: int
    nombre_ordenante: str | None = None
    rfc_curp_ordenante: str | None = None
    rfc_curp_beneficiario: str = "ND"
    tipo_cuenta_beneficiario: int = 40
    tipo_cuenta_ordenante: int = 40
    tipo_pago: int = 1
    institucion_operante: str = STP_INSTITUTION
    extra: Mapping[str, object] = field(default_factory=dict)

    def wire_fields(self, empresa: str) -> dict[str, object]:
        fields: dict[str, object] = {
            "empresa": empresa,
            "claveRastreo": self.clave_rastreo,
            "monto": self.monto,
            "conceptoPago": self.concepto_pago,
            "cuentaBeneficiario": self.cuenta_beneficiario,
            "nombreBeneficiario": self.nombre_beneficiario,
            "institucionContraparte": self.institucion_contraparte,
            "cuentaOrdenante": self.cuenta_ordenante,
            "referenciaNumerica": self.referencia_numerica,
            "nombreOrdenante": self.nombre_ordenante,
            "rfcCurpOrdenante": self.rfc_curp_ordenante,
            "rfcCurpBeneficiario": self.rfc_curp_beneficiario,
            "tipoCuentaBeneficiario": self.tipo_cuenta_beneficiario,
            "tipoCuentaOrdenante": self.tipo_cuenta_ordenante,
            "tipoPago": self.tipo_pago,
            "institucionOperante": self.institucion_operante,
            **self.extra,
        }
        return {name: value for name, value in fields.items() if value is not None}


class StpOrderRejectedError(BankUpstreamError):
    """Raised when STP rejects a registraOrden; `stp_id` and `description` give the reason."""

    def __init__(self, stp_id: int, description: str) -> None:
        super().__init__(params={"bank": "stp"})
        self.stp_id = stp_id
        self.description = description


class StpGateway(BankGateway):
    bank = "stp"

    def __init__(self, settings: BankSettings, signer: StpSigner | None = None) -> None:
        assert settings.stp_configured(), "StpGateway needs the CUENTY_BANKS_STP_* settings"
        assert settings.stp_base_url is not None and settings.stp_empresa is not None
        self.base_url = settings.stp_base_url
        self.orders_base_url = settings.stp_orders_base_url or settings.stp_base_url
        self.empresa = settings.stp_empresa
        self.settings = settings
        self.signer = signer or _signer_from(settings)

    async def balance(self, account_id: str) -> Balance:
        cadena = cadena_original([self.empresa, account_id, ""])
        body = {"empresa": self.empresa, "cuentaOrdenante": account_id}
        document = await self._post(self.settings.stp_balance_path, body, cadena)
        try:
            _check_estado(document)
            answer = document["respuesta"]
            booked = to_amount(answer["saldo"])
            pending = to_amount(answer.get("cargosPendientes") or 0)
        except (KeyError, TypeError, ValueError, ArithmeticError) as error:
            raise unexpected_shape(self.bank, "balance", error) from error
        return Balance(account_id, booked - pending, booked, "MXN", utc_now())

    async def transactions(
        self, account_id: str, date_from: date, date_to: date
    ) -> list[BankTransaction]:
        """List credits to and debits from `account_id`, one conciliation query per day."""
        found: list[BankTransaction] = []
        day = date_from
        while day <= date_to:
            for order in await self.conciliation("R", day):
                if order.get("cuentaBeneficiario") == account_id:
                    found.append(self._to_transaction(order, day, sign=1))
            for order in await self.conciliation("E", day):
                if order.get("cuentaOrdenante") == account_id:
                    found.append(self._to_transaction(order, day, sign=-1))
            day += timedelta(days=1)
        return found

    async def conciliation(self, order_type: str, day: date) -> list[dict[str, Any]]:
        """Return the orders received ("R") or sent ("E") on an operation day, every page."""
        today = business_date(utc_now())
        operation_date = "" if day == today else day.strftime("%Y%m%d")
        cadena = cadena_original([self.empresa, order_type, operation_date])
        orders: list[dict[str, Any]] = []
        for page in range(self.settings.stp_max_pages):
            body: dict[str, object] = {"empresa": self.empresa, "tipoOrden": order_type}
            if operation_date:
                body["fechaOperacion"] = operation_date
            body["page"] = page
            document = await self._post(self.settings.stp_conciliation_path, body, cadena)
            try:
                batch = _conciliation_page(document)
                total = int(document.get("total") or 0)
            except (KeyError, TypeError, ValueError) as error:
                raise unexpected_shape(self.bank, "conciliation", error) from error
            orders.extend(batch)
            if not batch or (total and len(orders) >= total):
                return orders
        # NOTE: the page cap keeps a misbehaving server from looping us; raise it if a
        # day ever has more pages than CUENTY_BANKS_STP_MAX_PAGES.
        log.warning("stp.conciliation_truncated", pages=self.settings.stp_max_pages)
        return orders

    async def register_order(self, order: StpOrder) -> int:
        """Register an outgoing order and return STP's id; raise StpOrderRejectedError."""
        fields = order.wire_fields(self.empresa)
        cadena = cadena_original([fields.get(name) for name in ORDER_SIGNATURE_FIELDS])
        body = {name: _json_value(value) for name, value in fields.items()}
        url = self.orders_base_url + self.settings.stp_register_order_path
        document = await self._send("PUT", url, body, cadena)
        try:
            result = document["resultado"]
            stp_id = int(result["id"])
        except (KeyError, TypeError, ValueError) as error:
            raise unexpected_shape(self.bank, "registraOrden", error) from error
        if "descripcionError" in result or stp_id <= 0:
            description = str(result.get("descripcionError") or "")
            log.warning("stp.order_rejected", stp_id=stp_id, clave_rastreo=order.clave_rastreo)
            raise StpOrderRejectedError(stp_id, description)
        log.info("stp.order_registered", stp_id=stp_id, clave_rastreo=order.clave_rastreo)
        return stp_id

    async def _post(self, path: str, body: dict[str, object], cadena: str) -> Any:
        return await self._send("POST", self.base_url + path, body, cadena)

    async def _send(self, method: str, url: str, body: dict[str, object], cadena: str) -> Any:
        payload = {**body, "firma": self.signer.sign(cadena)}
        timeout = self.settings.timeout_seconds
        async with http_client(timeout) as client:
            request = client.build_request(method, url, json=payload)
            response = await send(client, self.bank, request, timeout)
        check_status(self.bank, response)
        return read_json(self.bank, response)

    @staticmethod
    def _to_transaction(order: dict[str, Any], day: date, sign: int) -> BankTransaction:
        try:
            amount = to_amount(order["monto"]) * sign
            operation_day = to_date(order["fechaOperacion"]) if order.get("fechaOperacion") else day
            counterparty = order.get("cuentaOrdenante" if sign > 0 else "cuentaBeneficiario")
            return BankTransaction(
                id=str(order["idEF"]),
                date=operation_day,
                amount=amount,
                description=str(order.get("conceptoPago") or ""),
                tracking_key=optional_text(order.get("claveRastreo")),
                numeric_reference=optional_text(order.get("referenciaNumerica")),
                counterparty_account=optional_text(counterparty),
            )
        except (KeyError, TypeError, ValueError, ArithmeticError) as error:
            raise unexpected_shape("stp", "conciliation", error) from error


def _signer_from(settings: BankSettings) -> StpSigner:
    assert settings.stp_private_key_path is not None
    passphrase = settings.stp_private_key_passphrase
    secret = passphrase.get_secret_value() if passphrase is not None else None
    return StpSigner.from_pem_file(settings.stp_private_key_path, secret)


def _check_estado(document: Any) -> None:
    """Raise ValueError unless STP's `estado` is 0 (success)."""
    if int(document.get("estado", 0)) != 0:
        raise ValueError(f"STP estado {document.get('estado')}")


def _conciliation_page(document: Any) -> list[dict[str, Any]]:
    # NOTE: a non-zero estado with no `datos` is taken as a failure. If STP reports "no
    # orders" that way, an empty day shows as 502 until that estado is known and mapped.
    datos = document.get("datos")
    if datos is None:
        _check_estado(document)
        return []
    if not isinstance(datos, list):
        raise TypeError("datos is not a list")
    return [item for item in datos if isinstance(item, dict)]


def _json_value(value: object) -> object:
    """Return the JSON form of a field. STP's body takes the amount as a JSON number, so the
    two-place Decimal becomes a float only here, at the wire. The cadena keeps the exact text."""
    if isinstance(value, Decimal):
        return float(value.quantize(CENT))
    return value
