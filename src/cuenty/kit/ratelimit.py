"""Rate limits with the `limits` library: Redis storage when configured (exact across
processes and machines), memory otherwise.

The middleware applies the general limit to every request and sets the X-RateLimit headers;
routes with stricter limits (login, codes) call `RateLimiter.enforce` themselves.
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog
from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import cookie_parser
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cuenty.kit.errors import TooManyRequestsError, problem_response
from cuenty.kit.i18n import SUPPORTED_LOCALES, negotiate_locale, translate

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Bucket:
    """Whose requests count together, under which limit."""

    key: str
    limit: RateLimitItem


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_epoch: int

    @property
    def retry_after(self) -> int:
        return max(1, self.reset_epoch - math.floor(time.time()))

    def headers(self) -> dict[str, str]:
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_epoch),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


class RateLimiter:
    """Moving-window counters keyed by bucket, in Redis or in this process's memory."""

    def __init__(self, redis_url: str | None, *, key_prefix: str = "cuenty-rl") -> None:
        self.storage = _storage(redis_url, key_prefix)
        self.strategy = MovingWindowRateLimiter(self.storage)

    async def hit(self, limit: RateLimitItem, *identifiers: str) -> Decision:
        allowed = await self.strategy.hit(limit, *identifiers)
        stats = await self.strategy.get_window_stats(limit, *identifiers)
        return Decision(
            allowed=allowed,
            limit=limit.amount,
            remaining=max(0, stats.remaining),
            reset_epoch=math.ceil(stats.reset_time),
        )

    async def enforce(self, limit: RateLimitItem, *identifiers: str) -> Decision:
        """Count a request and raise TooManyRequestsError when it is over the limit."""
        decision = await self.hit(limit, *identifiers)
        if not decision.allowed:
            log.warning("ratelimit.exceeded", bucket=identifiers[0] if identifiers else "-")
            raise TooManyRequestsError(
                params={"retry_after": decision.retry_after}, headers=decision.headers()
            )
        return decision

    async def reset(self) -> None:
        await self.storage.reset()


def parse_limit(text: str) -> RateLimitItem:
    """Parse "100/minute" or "10 per 15 minutes" into a limit."""
    return parse(text)


BucketResolver = Callable[[Scope], Awaitable[Bucket | None]]


class RateLimitMiddleware:
    """Count every request against its bucket and add the X-RateLimit headers."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: Callable[[], RateLimiter | None],
        resolve_bucket: BucketResolver,
        default_locale: str = "es-MX",
        exempt_paths: tuple[str, ...] = ("/health", "/ready", "/metrics"),
        exempt_prefixes: tuple[str, ...] = (),
        html_prefixes: tuple[str, ...] = (),
        language_cookie: str = "cuenty_lang",
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.resolve_bucket = resolve_bucket
        self.default_locale = default_locale
        self.exempt_paths = exempt_paths
        # Static files of the web console: each page loads several, and they cost nothing.
        self.exempt_prefixes = exempt_prefixes
        # Pages people read in a browser get the 429 as HTML rather than problem JSON.
        self.html_prefixes = html_prefixes
        self.language_cookie = language_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limiter = self.limiter()
        if scope["type"] != "http" or limiter is None or self._is_exempt(scope["path"]):
            await self.app(scope, receive, send)
            return

        bucket = await self.resolve_bucket(scope)
        if bucket is None:
            await self.app(scope, receive, send)
            return
        decision = await limiter.hit(bucket.limit, bucket.key)
        if not decision.allowed:
            await self._reject(scope, receive, send, decision)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in decision.headers().items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _is_exempt(self, path: str) -> bool:
        return (
            path in self.exempt_paths
            or path.endswith("/health")
            or (bool(self.exempt_prefixes) and path.startswith(self.exempt_prefixes))
        )

    async def _reject(self, scope: Scope, receive: Receive, send: Send, decision: Decision) -> None:
        request_headers = Headers(scope=scope)
        accept_language = request_headers.get("accept-language")
        error = TooManyRequestsError(
            params={"retry_after": decision.retry_after}, headers=decision.headers()
        )
        locale = negotiate_locale(accept_language, self.default_locale)
        response: Response
        if self.html_prefixes and scope["path"].startswith(self.html_prefixes):
            # The language a person picked with the console's switch wins over the browser's.
            chosen = cookie_value(request_headers, self.language_cookie)
            response = _html_problem(error, chosen if chosen in SUPPORTED_LOCALES else locale)
        else:
            response = problem_response(
                error,
                locale=locale,
                instance=scope["path"],
                request_id=scope.get("state", {}).get("request_id"),
            )
        await response(scope, receive, send)


def cookie_value(headers: Headers, name: str) -> str | None:
    return cookie_parser(headers.get("cookie", "")).get(name)


def _html_problem(error: TooManyRequestsError, locale: str) -> Response:
    """Build a plain page with the error's title and detail, for people using the console."""
    title = html.escape(translate(locale, error.title))
    detail = html.escape(translate(locale, error.detail_message, **error.params))
    body = (
        f'<!doctype html><html lang="{html.escape(locale)}"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body><h1>{title}</h1><p>{detail}</p></body></html>"
    )
    return HTMLResponse(body, status_code=error.status, headers=error.headers)


def _storage(redis_url: str | None, key_prefix: str) -> Storage:
    if not redis_url:
        return storage_from_string("async+memory://")
    uri = "async+" + redis_url if not redis_url.startswith("async+") else redis_url
    # limits defaults to the coredis client; redis-py is the one this project installs.
    return storage_from_string(uri, implementation="redispy", key_prefix=key_prefix)
