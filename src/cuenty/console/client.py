"""The console's calls to the REST API, made with the signed-in person's token.

Without CUENTY_CONSOLE_API_URL the calls go to the app the console runs in, through an
in-process transport; with it, to that URL (the gateway). Either way the API checks the
token, the role and the input, and its problem details reach the page as they are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import structlog
from fastapi import Request

from cuenty.console.settings import console_settings
from cuenty.kit.net import client_ip

IN_PROCESS_BASE_URL = "http://cuenty.console.internal"
# A form rarely breaks more rules than this; a longer list would bury the first ones.
MAX_SHOWN_MESSAGES = 5

log = structlog.get_logger(__name__)


@dataclass
class ApiProblem(Exception):
    """An API response with status 400 or more, with its problem details (or a stand-in)."""

    status: int
    problem: dict[str, Any] = field(default_factory=dict)

    @property
    def detail(self) -> str:
        """The text to show a person: each broken field's message when the API lists them
        (its general detail then points programs at `errors`), else the API's detail."""
        messages = list(dict.fromkeys(self.field_messages.values()))
        if messages:
            return " ".join(messages[:MAX_SHOWN_MESSAGES])
        return str(self.problem.get("detail") or self.problem.get("title") or self.status)

    @property
    def field_messages(self) -> dict[str, str]:
        """The message of each broken field, keyed by its JSON pointer without the leading
        `#/` (`profiles/0/name`), or by the name of the query parameter."""
        messages: dict[str, str] = {}
        for error in self.problem.get("errors") or []:
            pointer = str(error.get("pointer") or error.get("parameter") or "")
            messages.setdefault(pointer.lstrip("#").lstrip("/"), str(error.get("message", "")))
        return messages


class ConsoleApi:
    """One page's API client: every call carries the token, the locale and the request id."""

    def __init__(self, request: Request, token: str | None, locale: str) -> None:
        self.request = request
        self.token = token
        self.locale = locale

    async def get(self, path: str, **params: Any) -> Any:
        return await self.call("GET", path, params=_without_none(params))

    async def post(self, path: str, body: Any = None, **options: Any) -> Any:
        return await self.call("POST", path, json=body, **options)

    async def put(self, path: str, body: Any = None) -> Any:
        return await self.call("PUT", path, json=body)

    async def patch(self, path: str, body: Any = None) -> Any:
        return await self.call("PATCH", path, json=body)

    async def delete(self, path: str) -> Any:
        return await self.call("DELETE", path)

    async def call(self, method: str, path: str, **options: Any) -> Any:
        """Send one request; return the decoded JSON (money as Decimal) or raise ApiProblem.

        `headers` in `options` are added to the token, locale and request id headers, for
        example a Content-Type for a body sent as `content`.
        """
        return _decode(await self._send(method, path, **options))

    async def download(self, path: str, **params: Any) -> httpx.Response:
        """GET a file (an export, a PDF) and return the response as is, or raise ApiProblem."""
        return await self._send("GET", path, params=_without_none(params))

    async def _send(self, method: str, path: str, **options: Any) -> httpx.Response:
        client = _http_client(self.request)
        headers = {**self._headers(), **options.pop("headers", {})}
        try:
            response = await client.request(method, path, headers=headers, **options)
        except httpx.HTTPError as error:
            raise ApiProblem(503, {"title": type(error).__name__}) from error
        if response.status_code >= 400:
            raise ApiProblem(response.status_code, _decode(response) or {})
        return response

    def _headers(self) -> dict[str, str]:
        state = self.request.app.state
        headers = {
            "Accept-Language": self.locale,
            "X-Forwarded-For": client_ip(self.request, state.settings.trusted_proxies),
            "User-Agent": self.request.headers.get("user-agent", "cuenty-console"),
        }
        request_id = getattr(self.request.state, "request_id", None)
        if request_id:
            headers["X-Request-ID"] = request_id
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers


def _decode(response: httpx.Response) -> Any:
    if not response.content:
        return None
    if "json" not in response.headers.get("content-type", ""):
        return {"title": response.text[:200]}
    return json.loads(response.content, parse_float=Decimal)


def _without_none(params: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in params.items() if value not in (None, "")}


def _http_client(request: Request) -> httpx.AsyncClient:
    """Return the app's shared client, made on first use and closed with the app."""
    state = request.app.state
    client = getattr(state, "console_http_client", None)
    if client is None:
        settings = console_settings(state)
        if settings.api_url:
            client = httpx.AsyncClient(
                base_url=settings.api_url.rstrip("/"), timeout=settings.api_timeout_seconds
            )
        else:
            # The in-process peer is 127.0.0.1, a trusted proxy by default, so the API's
            # per-address limits see the visitor's address sent in X-Forwarded-For.
            transport = httpx.ASGITransport(
                app=request.app, raise_app_exceptions=False, client=("127.0.0.1", 0)
            )
            client = httpx.AsyncClient(
                transport=transport,
                base_url=IN_PROCESS_BASE_URL,
                timeout=settings.api_timeout_seconds,
            )
        state.console_http_client = client
    return client


def warn_without_api(app: Any) -> None:
    """Log a warning at start-up when the console has no API to call. The admin service alone,
    without CUENTY_CONSOLE_API_URL, would return an error page for every page."""
    from cuenty.services import SERVICES

    mounted = {service.name for service in app.state.services}
    if console_settings(app.state).api_url is None and mounted != set(SERVICES):
        log.warning(
            "console.api_url_missing",
            detail="the console calls the API in this process, which lacks some services; "
            "set CUENTY_CONSOLE_API_URL to the gateway",
            missing=sorted(set(SERVICES) - mounted),
        )


async def close_http_client(state: Any) -> None:
    client = getattr(state, "console_http_client", None)
    if client is not None:
        await client.aclose()
        state.console_http_client = None
