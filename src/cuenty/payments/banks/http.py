"""HTTP calls to banks: one place that turns transport errors, bad statuses and unreadable
bodies into 502/504 problems, logs them, and parses JSON numbers as `Decimal`."""

from __future__ import annotations

import json
import ssl
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import structlog

from cuenty.kit.clock import MEXICO_CITY
from cuenty.kit.money import CENT
from cuenty.payments.banks.base import BankTimeoutError, BankUpstreamError

log = structlog.get_logger(__name__)


def http_client(timeout_seconds: float, tls: ssl.SSLContext | None = None) -> httpx.AsyncClient:
    """Build a client that ignores proxy variables and uses `tls` (for mTLS) when given."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout_seconds), trust_env=False, verify=tls or True
    )


def tls_context(
    cert_path: Path | None, key_path: Path | None, ca_path: Path | None
) -> ssl.SSLContext | None:
    """Build the TLS context of a bank that needs a client certificate or a private CA.

    Returns None when neither is configured, so the system's CAs are used. Raises OSError or
    ssl.SSLError when a file is missing or invalid.
    """
    if not (cert_path and key_path) and ca_path is None:
        return None
    context = ssl.create_default_context(cafile=str(ca_path) if ca_path else None)
    if cert_path and key_path:
        context.load_cert_chain(str(cert_path), str(key_path))
    return context


async def send(
    client: httpx.AsyncClient, bank: str, request: httpx.Request, timeout_seconds: float
) -> httpx.Response:
    """Send a request, raising BankTimeoutError or BankUpstreamError on transport failure."""
    try:
        return await client.send(request)
    except httpx.TimeoutException as error:
        log.warning("bank.timeout", bank=bank, url=_safe_url(request), error=type(error).__name__)
        params = {"bank": bank, "seconds": f"{timeout_seconds:g}"}
        raise BankTimeoutError(params=params) from error
    except (httpx.HTTPError, OSError) as error:
        # OSError: with TLS 1.3 a server that refuses the client certificate says so after the
        # handshake, and that alert can surface as a bare ssl.SSLError on the first read.
        log.warning("bank.unreachable", bank=bank, url=_safe_url(request), error=repr(error))
        raise BankUpstreamError(params={"bank": bank}) from error


def check_status(bank: str, response: httpx.Response) -> None:
    """Raise BankUpstreamError for any status outside 2xx; the body is logged only by size."""
    if response.is_success:
        return
    log.warning(
        "bank.bad_status",
        bank=bank,
        url=_safe_url(response.request),
        status=response.status_code,
        body_bytes=len(response.content),
    )
    raise BankUpstreamError(params={"bank": bank})


def read_json(bank: str, response: httpx.Response) -> Any:
    """Parse the body with every JSON number as Decimal, so no amount passes through float."""
    try:
        return json.loads(response.content, parse_float=Decimal, parse_int=Decimal)
    except ValueError as error:
        log.warning("bank.invalid_json", bank=bank, url=_safe_url(response.request))
        raise BankUpstreamError(params={"bank": bank}) from error


def unexpected_shape(bank: str, what: str, error: Exception) -> BankUpstreamError:
    """Log a response that lacks the fields an adapter expects and return the 502 to raise."""
    log.warning("bank.unexpected_response", bank=bank, operation=what, error=repr(error))
    return BankUpstreamError(params={"bank": bank})


def _safe_url(request: httpx.Request) -> str:
    """Return the URL without its query string, which may carry account numbers."""
    return str(request.url.copy_with(query=None))


def to_amount(value: Any) -> Decimal:
    """Convert a JSON amount (number or string) to a two-place Decimal; floats are rejected."""
    if isinstance(value, bool | float) or value is None:
        raise ValueError(f"{value!r} is not an amount")
    amount = Decimal(str(value).strip())
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not a finite amount")
    return amount.quantize(CENT)


def to_date(value: Any) -> date:
    """Parse "YYYY-MM-DD", "YYYYMMDD" or the date part of an ISO 8601 timestamp."""
    text = str(value).strip()
    if len(text) == 8 and text.isdigit():
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    return date.fromisoformat(text[:10])


def to_datetime(value: Any) -> datetime:
    """Parse an ISO 8601 timestamp; one without a zone is taken as Mexico City time."""
    moment = datetime.fromisoformat(str(value).strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=MEXICO_CITY)
    return moment.astimezone(UTC)


def optional_text(value: Any) -> str | None:
    """Return the value as stripped text, or None when it is missing or blank."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None
