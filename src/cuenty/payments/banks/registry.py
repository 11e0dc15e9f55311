"""Choose the gateway of a bank: its HTTP adapter when configured, else the statement
files when any were imported for it, else `BankNotConfiguredError` (503).

HTTP adapters are kept per app (on `app.state.bank_gateways`) so their OAuth2 tokens are
reused across requests.
"""

from __future__ import annotations

import ssl
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.payments.banks.banorte import BanorteGateway
from cuenty.payments.banks.base import (
    BANK_CODES,
    BankGateway,
    BankNotConfiguredError,
    UnknownBankError,
)
from cuenty.payments.banks.bbva import BbvaGateway
from cuenty.payments.banks.files import FileGateway, has_statements
from cuenty.payments.banks.oauth import OAuthGateway
from cuenty.payments.banks.santander import SantanderGateway
from cuenty.payments.banks.settings import BankSettings, bank_settings
from cuenty.payments.banks.stp import StpGateway

log = structlog.get_logger(__name__)

OAUTH_GATEWAYS: dict[str, type[OAuthGateway]] = {
    "bbva": BbvaGateway,
    "santander": SantanderGateway,
    "banorte": BanorteGateway,
}


async def gateway_for(state: Any, session: AsyncSession, bank: str) -> BankGateway:
    """Return the gateway that serves `bank` for an app's state."""
    if bank not in BANK_CODES:
        raise UnknownBankError(params={"bank": bank, "banks": ", ".join(BANK_CODES)})
    settings = bank_settings(state)
    http_gateway = _http_gateway(state, settings, bank)
    if http_gateway is not None:
        return http_gateway
    if await has_statements(session, bank):
        return FileGateway(session, bank)
    raise BankNotConfiguredError(params={"bank": bank})


def _http_gateway(state: Any, settings: BankSettings, bank: str) -> BankGateway | None:
    cache: dict[str, tuple[BankSettings, BankGateway]] = _cache(state)
    cached = cache.get(bank)
    if cached is not None and cached[0] is settings:
        return cached[1]
    gateway = _build(settings, bank)
    if gateway is not None:
        cache[bank] = (settings, gateway)
    return gateway


def _build(settings: BankSettings, bank: str) -> BankGateway | None:
    if bank == "stp":
        return _build_stp(settings) if settings.stp_configured() else None
    config = settings.oauth(bank)
    if config is None:
        return None
    try:
        return OAUTH_GATEWAYS[bank](config)
    except (OSError, ssl.SSLError) as error:
        # An unreadable client certificate or CA file: requests would fail TLS anyway.
        log.error("bank.tls_files_unreadable", bank=bank, error=type(error).__name__)
        raise BankNotConfiguredError(params={"bank": bank}) from error


def _cache(state: Any) -> dict[str, tuple[BankSettings, BankGateway]]:
    cache = getattr(state, "bank_gateways", None)
    if cache is None:
        cache = {}
        state.bank_gateways = cache
    return cache


def _build_stp(settings: BankSettings) -> StpGateway:
    try:
        return StpGateway(settings)
    except (OSError, ValueError, TypeError) as error:
        # A missing key file or a wrong passphrase: the adapter cannot sign, so STP is
        # treated as not configured rather than guessed around.
        log.error("stp.private_key_unreadable", error=type(error).__name__)
        raise BankNotConfiguredError(params={"bank": "stp"}) from error
