"""OAuth2 client-credentials client (RFC 6749 section 4.4) shared by the BBVA, Santander
and Banorte adapters.

The client authenticates to the token URL with HTTP Basic (`client_secret_basic`), caches
the access token until `TOKEN_MARGIN_SECONDS` before its `expires_in`, and on a 401 from the
API drops the token, fetches a new one and retries the request once.
"""

from __future__ import annotations

import asyncio
import base64
import time
from abc import abstractmethod
from datetime import date
from typing import Any
from urllib.parse import quote

import httpx
import structlog

from cuenty.payments.banks.base import Balance, BankGateway, BankTransaction, BankUpstreamError
from cuenty.payments.banks.http import (
    check_status,
    http_client,
    read_json,
    send,
    tls_context,
    unexpected_shape,
)
from cuenty.payments.banks.settings import OAuthBankConfig

log = structlog.get_logger(__name__)

# A token is renewed this many seconds before it expires, so a request never carries a
# token that expires in flight. A token that lives less than this is used for one request.
TOKEN_MARGIN_SECONDS = 30
# Lifetime assumed when the token response has no `expires_in`.
DEFAULT_TOKEN_SECONDS = 300


class OAuthClient:
    """Authorized GET requests to one bank's API."""

    def __init__(self, config: OAuthBankConfig) -> None:
        self.config = config
        self._token: str | None = None
        self._token_expires_at = 0.0
        self._lock = asyncio.Lock()
        self._tls = tls_context(config.cert_path, config.key_path, config.ca_path)

    async def get_json(self, path: str, params: dict[str, str] | None = None) -> Any:
        """GET `path` under the base URL and return its JSON body."""
        async with http_client(self.config.timeout_seconds, self._tls) as client:
            response = await self._get(client, path, params, await self._access_token(client))
            if response.status_code == 401:
                log.info("bank.token_rejected", bank=self.config.bank)
                self._forget_token()
                token = await self._access_token(client)
                response = await self._get(client, path, params, token)
            check_status(self.config.bank, response)
            return read_json(self.config.bank, response)

    async def _get(
        self, client: httpx.AsyncClient, path: str, params: dict[str, str] | None, token: str
    ) -> httpx.Response:
        request = client.build_request(
            "GET",
            self.config.base_url + path,
            params=params,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )
        return await send(client, self.config.bank, request, self.config.timeout_seconds)

    async def _access_token(self, client: httpx.AsyncClient) -> str:
        async with self._lock:
            if self._token is not None and time.monotonic() < self._token_expires_at:
                return self._token
            token, lifetime = await self._request_token(client)
            usable_for = max(lifetime - TOKEN_MARGIN_SECONDS, 0)
            self._token = token
            self._token_expires_at = time.monotonic() + usable_for
            return token

    async def _request_token(self, client: httpx.AsyncClient) -> tuple[str, float]:
        form = {"grant_type": "client_credentials"}
        if self.config.scope:
            form["scope"] = self.config.scope
        request = client.build_request(
            "POST",
            self.config.token_url,
            data=form,
            headers={"Accept": "application/json", "Authorization": self._basic_credentials()},
        )
        response = await send(client, self.config.bank, request, self.config.timeout_seconds)
        check_status(self.config.bank, response)
        document = read_json(self.config.bank, response)
        token = document.get("access_token") if isinstance(document, dict) else None
        if not isinstance(token, str) or not token:
            log.warning("bank.token_missing", bank=self.config.bank)
            raise BankUpstreamError(params={"bank": self.config.bank})
        try:
            lifetime = float(document.get("expires_in", DEFAULT_TOKEN_SECONDS))
        except (TypeError, ValueError):
            lifetime = DEFAULT_TOKEN_SECONDS
        log.info("bank.token_issued", bank=self.config.bank, expires_in=lifetime)
        return token, lifetime

    def _basic_credentials(self) -> str:
        pair = f"{self.config.client_id}:{self.config.client_secret}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")

    def _forget_token(self) -> None:
        self._token = None
        self._token_expires_at = 0.0


class OAuthGateway(BankGateway):
    """A bank gateway over an OAuth2 API; subclasses map the bank's JSON to the base types.

    Paths are settings with an `{account_id}` placeholder, because each bank's contracted
    API reference is private and its paths vary by contract. Transactions are requested
    with the query parameters `fromDate` and `toDate` (ISO dates).
    """

    def __init__(self, config: OAuthBankConfig) -> None:
        self.config = config
        self.client = OAuthClient(config)

    async def balance(self, account_id: str) -> Balance:
        document = await self.client.get_json(self._path(self.config.balance_path, account_id))
        try:
            return self.parse_balance(account_id, document)
        except (KeyError, TypeError, ValueError, ArithmeticError) as error:
            raise unexpected_shape(self.bank, "balance", error) from error

    async def transactions(
        self, account_id: str, date_from: date, date_to: date
    ) -> list[BankTransaction]:
        path = self._path(self.config.transactions_path, account_id)
        params = {"fromDate": date_from.isoformat(), "toDate": date_to.isoformat()}
        document = await self.client.get_json(path, params)
        try:
            found = self.parse_transactions(document)
        except (KeyError, TypeError, ValueError, ArithmeticError) as error:
            raise unexpected_shape(self.bank, "transactions", error) from error
        return [item for item in found if date_from <= item.date <= date_to]

    @abstractmethod
    def parse_balance(self, account_id: str, document: Any) -> Balance: ...

    @abstractmethod
    def parse_transactions(self, document: Any) -> list[BankTransaction]: ...

    @staticmethod
    def _path(template: str, account_id: str) -> str:
        return template.format(account_id=quote(account_id, safe=""))
