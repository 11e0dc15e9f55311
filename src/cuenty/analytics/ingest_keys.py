"""Who may post events: access tokens, API keys with `analytics:write`, and publishable
ingest keys from browsers.

A publishable key is sent in `X-Ingest-Key` from a page on one of the key's origins. It is not
a secret (every visitor can read it), so it only records anonymous events, only on the events
routes, and only from its origins, with its own rate limit per key and client address. Browsers
get CORS responses for those origins on these two routes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any

from fastapi import Request
from limits import RateLimitItem
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cuenty.analytics.errors import (
    IngestKeyInvalidError,
    OriginMissingError,
    OriginNotAllowedError,
)
from cuenty.analytics.events import Caller, CallerKind
from cuenty.analytics.settings import AnalyticsSettings, analytics_settings
from cuenty.identity.access import authenticate
from cuenty.identity.authentication import API_KEY_HEADER, bearer_token
from cuenty.identity.errors import InsufficientScopeError
from cuenty.kit.errors import problem_response
from cuenty.kit.i18n import DEFAULT_LOCALE, negotiate_locale
from cuenty.kit.net import client_ip
from cuenty.kit.ratelimit import Bucket, parse_limit

INGEST_KEY_HEADER = "x-ingest-key"
INGEST_PATHS = ("/v1/analytics/events", "/v1/analytics/events/batch")
WRITE_SCOPE = "analytics:write"
PREFLIGHT_MAX_AGE_SECONDS = 600
CORS_ALLOWED_HEADERS = "Content-Type, X-Ingest-Key, Accept-Language, X-Request-ID"
CORS_EXPOSED_HEADERS = (
    "X-Request-ID, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After"
)


async def event_caller(request: Request) -> Caller:
    """Dependency of the events routes: the caller, or a 401/403 problem."""
    key = request.headers.get(INGEST_KEY_HEADER)
    if key and not _has_credentials(request):
        return _ingest_key_caller(request, key.strip())
    principal = await authenticate(request)
    if principal.is_api_key:
        if WRITE_SCOPE not in principal.scopes:
            raise InsufficientScopeError(params={"scopes": WRITE_SCOPE})
        return Caller(CallerKind.API_KEY, principal.user_id, is_staff=True)
    return Caller(CallerKind.USER, principal.user_id, is_staff=principal.is_staff)


def with_ingest_key_buckets(
    resolve: Callable[[Scope], Awaitable[Bucket | None]], state: Any
) -> Callable[[Scope], Awaitable[Bucket | None]]:
    """Wrap the app's rate-limit resolver: a configured publishable key on the events routes
    is counted per key and client address, under CUENTY_ANALYTICS_INGEST_RATE_LIMIT."""

    async def resolver(scope: Scope) -> Bucket | None:
        if scope.get("path") in INGEST_PATHS:
            connection = HTTPConnection(scope)
            key = connection.headers.get(INGEST_KEY_HEADER, "").strip()
            settings = analytics_settings(state)
            if key and not _has_credentials(connection) and settings.origins_for(key) is not None:
                address = client_ip(connection, state.settings.trusted_proxies)
                digest = hashlib.sha256(key.encode()).hexdigest()[:16]
                return Bucket(f"ingest:{digest}:{address}", _limit(settings.ingest_rate_limit))
        return await resolve(scope)

    return resolver


class IngestCorsMiddleware:
    """CORS for the events routes, for the origins of the configured ingest keys.

    It runs before the app-wide CORS middleware, so these origins need not be listed in
    CUENTY_CORS_ORIGINS, and it responds to preflight requests itself.
    """

    def __init__(self, app: ASGIApp, *, settings: Callable[[], AnalyticsSettings]) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in INGEST_PATHS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        preflight = scope["method"] == "OPTIONS" and "access-control-request-method" in headers
        if not origin or not self.settings().allows_any_origin(origin):
            if preflight and origin and origin not in _app_cors_origins(scope):
                # Otherwise the router returns 405 Method Not Allowed, which hides the cause.
                await _origin_rejected(scope, headers, origin)(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        if preflight:
            await _preflight(origin)(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                if "access-control-allow-origin" not in response_headers:
                    response_headers["Access-Control-Allow-Origin"] = origin
                    response_headers["Access-Control-Expose-Headers"] = CORS_EXPOSED_HEADERS
                    response_headers.add_vary_header("Origin")
            await send(message)

        await self.app(scope, receive, send_with_cors)


def _ingest_key_caller(request: Request, key: str) -> Caller:
    origins = analytics_settings(request.app.state).origins_for(key)
    if origins is None:
        raise IngestKeyInvalidError()
    origin = request.headers.get("origin")
    if origin is None:
        raise OriginMissingError()
    if origin not in origins:
        raise OriginNotAllowedError(params={"origin": origin})
    return Caller(CallerKind.INGEST_KEY)


def _has_credentials(connection: HTTPConnection) -> bool:
    return bool(connection.headers.get(API_KEY_HEADER)) or bearer_token(connection) is not None


def _app_cors_origins(scope: Scope) -> list[str]:
    """Return the origins of the app-wide CORS middleware, which handles their preflights."""
    state = getattr(scope.get("app"), "state", None)
    settings = getattr(state, "settings", None)
    return list(getattr(settings, "cors_origins", None) or [])


def _origin_rejected(scope: Scope, headers: Headers, origin: str) -> Response:
    """Build the 403 of a preflight from an origin no ingest key lists, without CORS headers,
    so the browser blocks the request."""
    state = getattr(scope.get("app"), "state", None)
    default = getattr(state, "default_locale", DEFAULT_LOCALE)
    return problem_response(
        OriginNotAllowedError(params={"origin": origin}),
        locale=negotiate_locale(headers.get("accept-language"), default),
        instance=scope["path"],
        request_id=scope.get("state", {}).get("request_id"),
    )


def _preflight(origin: str) -> Response:
    return Response(
        status_code=204,
        headers={
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": CORS_ALLOWED_HEADERS,
            "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_SECONDS),
            "Vary": "Origin",
        },
    )


@lru_cache(maxsize=16)
def _limit(text: str) -> RateLimitItem:
    return parse_limit(text)
