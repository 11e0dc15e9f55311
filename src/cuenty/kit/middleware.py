"""ASGI middleware: request id, access log and metrics for every request, and body size limits.

Both are plain ASGI classes, so they add no task per request and see streamed bodies.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Sequence

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cuenty.kit.errors import InternalError, PayloadTooLargeError, problem_response
from cuenty.kit.i18n import negotiate_locale
from cuenty.kit.metrics import HttpMetrics

REQUEST_ID_HEADER = "X-Request-ID"
# Client-supplied ids are kept only when they look like ids, so a header cannot inject text
# into the logs.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
UNMATCHED_ROUTE = "<unmatched>"

log = structlog.get_logger("cuenty.http")


class RequestContextMiddleware:
    """Bind a request id to every log line, echo it in the response, log and measure."""

    def __init__(self, app: ASGIApp, *, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        request_id = _request_id(Headers(scope=scope))
        scope.setdefault("state", {})["request_id"] = request_id
        status_code = 500
        response_started = False
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status_code, response_started
            if message["type"] == "http.response.start":
                status_code = message["status"]
                response_started = True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_with_id)
        except Exception as error:
            # Handled here rather than re-raised: Starlette's last-resort handler would log
            # the traceback a second time, without the request id.
            log.error(
                "request.unhandled_error",
                method=scope["method"],
                path=scope["path"],
                error_type=type(error).__name__,
                exc_info=error,
            )
            if not response_started:
                await _internal_error_response(scope, request_id)(scope, receive, send_with_id)
        finally:
            self.metrics.in_flight.dec()
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            self.metrics.observe(
                method=scope["method"], route=route, status=status_code, seconds=elapsed
            )
            log.info(
                "http.request",
                method=scope["method"],
                route=route,
                status=status_code,
                duration_ms=round(elapsed * 1000, 2),
                user_id=_user_id(scope),
            )
            structlog.contextvars.clear_contextvars()


class BodyTooLarge(StarletteHTTPException):
    """Raised from `receive` when a streamed body passes its limit.

    FastAPI re-raises HTTP exceptions met while reading a body (any other exception there
    becomes a 400), so the limit must travel as one.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413)
        self.limit = limit


class BodySizeLimitMiddleware:
    """Return 413 when a request body exceeds the limit of its path.

    `route_limits` contains (path prefix, bytes) pairs for routes that take larger bodies,
    such as statement uploads; the longest matching prefix wins.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        default_limit: int,
        route_limits: Sequence[tuple[str, int]] = (),
        default_locale: str = "es-MX",
    ) -> None:
        self.app = app
        self.default_limit = default_limit
        self.route_limits = sorted(route_limits, key=lambda item: len(item[0]), reverse=True)
        self.default_locale = default_locale

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        limit = self.limit_for(scope["path"])
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._reject(scope, receive, send, headers, limit)
            return

        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counting_receive, send)

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.route_limits:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return limit
        return self.default_limit

    async def _reject(
        self, scope: Scope, receive: Receive, send: Send, headers: Headers, limit: int
    ) -> None:
        locale = negotiate_locale(headers.get("accept-language"), self.default_locale)
        response = problem_response(
            PayloadTooLargeError(params={"limit": limit}),
            locale=locale,
            instance=scope["path"],
            request_id=scope.get("state", {}).get("request_id"),
        )
        await response(scope, receive, send)


def _internal_error_response(scope: Scope, request_id: str) -> ASGIApp:
    default = getattr(scope.get("app"), "state", None)
    locale = negotiate_locale(
        Headers(scope=scope).get("accept-language"), getattr(default, "default_locale", "es-MX")
    )
    return problem_response(
        InternalError(params={"request_id": request_id}),
        locale=locale,
        instance=scope["path"],
        request_id=request_id,
    )


def _request_id(headers: Headers) -> str:
    supplied = headers.get(REQUEST_ID_HEADER)
    if supplied and _VALID_REQUEST_ID.match(supplied):
        return supplied
    return uuid.uuid4().hex


def _route_template(scope: Scope) -> str:
    # Label by template ("/v1/orders/{order_id}"), never by raw path, to bound the series.
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE


def _user_id(scope: Scope) -> str | None:
    """Return the id of the user the request authenticated as, if any route dependency did."""
    principal = scope.get("state", {}).get("principal")
    user_id = getattr(principal, "user_id", None)
    return str(user_id) if user_id is not None else None
