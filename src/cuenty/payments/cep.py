"""Optional check of a received transfer against Banxico's CEP (Comprobante Electrónico de
Pago), with the cepmex package.

`check_transfer` sends CEP the transfer's operation date, tracking key, sender and
receiver banks, beneficiary CLABE and amount, and stores the outcome in the transfer's
`cep_status`, `cep_details` and `cep_checked_at`. An outcome is "validated" (Banxico
returned the receipt), "not_found" (SPEI has no such payment) or "not_available" (the
payment exists but its receipt is not issued yet). When CEP cannot be reached, returns
an error or limits the requests, nothing is stored and a 502 or 504 problem is raised.

cepmex 1.0.1 is synchronous (requests): the call runs in a worker thread. Its base URL is
the class attribute `cep.Client.base_url`, set here from `CUENTY_BANKS_CEP_BASE_URL`.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from enum import StrEnum
from typing import Any

import cep
import clabe
import requests
import structlog
from cep.exc import CepError, CepNotAvailableError, MaxRequestError, TransferNotFoundError
from lxml import etree
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.kit.clock import utc_now
from cuenty.kit.errors import ConflictError, ProblemError
from cuenty.kit.i18n import N_
from cuenty.payments.banks.settings import BankSettings
from cuenty.payments.models import ReceivedTransfer

log = structlog.get_logger(__name__)


class CepStatus(StrEnum):
    VALIDATED = "validated"
    NOT_FOUND = "not_found"
    NOT_AVAILABLE = "not_available"


class CepDataMissingError(ConflictError):
    code = "cep_data_missing"
    title = N_("Transfer cannot be checked")
    detail = N_(
        "The transfer lacks {field}, which Banxico's CEP needs; it can only be checked by hand."
    )


class CepUnavailableError(ProblemError):
    status = 502
    code = "cep_unavailable"
    title = N_("CEP check failed")
    detail = N_("Banxico's CEP service failed to answer or refused the request; try later.")


class CepTimeoutError(ProblemError):
    status = 504
    code = "cep_timeout"
    title = N_("CEP check timed out")
    detail = N_("Banxico's CEP service did not answer within {seconds} seconds; try later.")


class _TimedClient(cep.Client):
    """cepmex's client with a request timeout, which cepmex itself never sets."""

    timeout_seconds: float = 15.0

    def request(self, method: str, endpoint: str, data: dict[str, Any], **kwargs: Any) -> bytes:
        kwargs.setdefault("timeout", self.timeout_seconds)
        return super().request(method, endpoint, data, **kwargs)


# NOTE: cepmex builds its client inside Transferencia.validar with no way to pass one in,
# so the module's `Client` name is replaced once, process-wide, by the timed subclass.
cep.transferencia.Client = _TimedClient  # type: ignore[attr-defined]


async def check_transfer(
    session: AsyncSession, transfer: ReceivedTransfer, settings: BankSettings
) -> ReceivedTransfer:
    """Ask CEP about a received transfer and store the outcome on it."""
    query = cep_query(transfer)
    cep.Client.base_url = settings.cep_base_url
    _TimedClient.timeout_seconds = settings.cep_timeout_seconds
    try:
        status, details = await asyncio.to_thread(_ask_cep, query)
    except requests.Timeout as error:
        log.warning("cep.timeout", transfer_id=str(transfer.id))
        params = {"seconds": f"{settings.cep_timeout_seconds:g}"}
        raise CepTimeoutError(params=params) from error
    except (requests.RequestException, CepError, etree.LxmlError, ValueError, KeyError) as error:
        log.warning("cep.failed", transfer_id=str(transfer.id), error=type(error).__name__)
        raise CepUnavailableError() from error

    transfer.cep_status = status.value
    transfer.cep_details = details
    transfer.cep_checked_at = utc_now()
    await session.flush()
    log.info("cep.checked", transfer_id=str(transfer.id), status=status.value)
    return transfer


def cep_query(transfer: ReceivedTransfer) -> dict[str, Any]:
    """Build cepmex's `Transferencia.validar` arguments, or raise CepDataMissingError."""
    if not transfer.tracking_key:
        raise CepDataMissingError(params={"field": "tracking_key"})
    sender = _institution(transfer.sender_institution)
    if sender is None:
        raise CepDataMissingError(params={"field": "sender_institution"})
    account = transfer.beneficiary_account
    receiver = clabe.BANKS.get(account[:3]) if account and len(account) == 18 else None
    if account is None or receiver is None:
        raise CepDataMissingError(params={"field": "beneficiary_account"})
    return {
        "fecha": transfer.operation_date,
        "clave_rastreo": transfer.tracking_key,
        "emisor": sender,
        "receptor": receiver,
        "cuenta": account,
        "monto": int(transfer.amount * 100),  # cepmex takes centavos
    }


def _institution(code: str | None) -> str | None:
    """Return the 5-digit Banxico code cepmex expects, from a 5- or 3-digit code."""
    if not code:
        return None
    if code in clabe.BANKS.values():
        return code
    return clabe.BANKS.get(code.zfill(3)[-3:])


def _ask_cep(query: dict[str, Any]) -> tuple[CepStatus, dict[str, Any]]:
    try:
        found = cep.Transferencia.validar(**query)
    except TransferNotFoundError:
        return CepStatus.NOT_FOUND, {}
    except CepNotAvailableError:
        return CepStatus.NOT_AVAILABLE, {}
    except MaxRequestError as error:
        raise CepError("CEP request limit reached") from error
    return CepStatus.VALIDATED, _details(found)


def _details(found: cep.Transferencia) -> dict[str, Any]:
    """Receipt fields worth keeping, as JSON; the amount is text to stay exact."""
    return {
        "operationDate": found.fecha_operacion.isoformat(),
        "creditedAt": found.fecha_abono.isoformat(),
        "amount": str((Decimal(found.monto) / 100).quantize(Decimal("0.01"))),
        "concept": found.concepto,
        "trackingKey": found.clave_rastreo,
        "senderBank": found.ordenante.banco,
        "senderName": found.ordenante.nombre,
        "senderAccount": found.ordenante.numero,
        "beneficiaryBank": found.beneficiario.banco,
        "beneficiaryName": found.beneficiario.nombre,
        "beneficiaryAccount": found.beneficiario.numero,
        "seal": found.sello,
    }
