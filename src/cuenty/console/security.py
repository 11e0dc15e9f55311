"""Protection of the console's pages: cookie flags, CSRF tokens and response headers.

CSRF: a random value in an HttpOnly `cuenty_csrf` cookie, and in every form (or the
`X-CSRF-Token` header) its HMAC under CUENTY_SECRET_KEY; a form whose token does not match, or
a request another site started, is refused. Cookies are SameSite=Lax as a second guard.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cuenty.config import Environment
from cuenty.console.settings import console_settings
from cuenty.kit.errors import ForbiddenError
from cuenty.kit.i18n import N_

CSRF_COOKIE = "cuenty_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
CONSOLE_PREFIXES = ("/console", "/cuenta")
STATIC_PREFIX = "/console/static/"

# Scripts, styles, fonts and images come only from the console's own static files; chart
# data travels in <script type="application/json"> blocks, which never run.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
PAGE_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "cross-origin-opener-policy": "same-origin",
}


class CsrfRejectedError(ForbiddenError):
    code = "csrf_failed"
    title = N_("The form expired or came from another site")
    detail = N_("Reload the page and send the form again.")


def cookies_secure(request: Request) -> bool:
    state = request.app.state
    chosen = console_settings(state).cookie_secure
    if chosen is not None:
        return chosen
    settings = state.settings
    return settings.environment == Environment.PRODUCTION or str(
        settings.public_base_url
    ).startswith("https://")


@dataclass
class PendingCookies:
    """Cookies a page sets or clears, applied to whatever response the page returns."""

    secure: bool
    to_set: dict[str, tuple[str, str, int | None]] = field(default_factory=dict)
    to_clear: dict[str, str] = field(default_factory=dict)

    def set(self, name: str, value: str, *, path: str, max_age: int | None = None) -> None:
        self.to_clear.pop(name, None)
        self.to_set[name] = (value, path, max_age)

    def clear(self, name: str, *, path: str) -> None:
        self.to_set.pop(name, None)
        self.to_clear[name] = path

    def apply(self, response: Response) -> None:
        for name, (value, path, max_age) in self.to_set.items():
            response.set_cookie(
                name,
                value,
                max_age=max_age,
                path=path,
                secure=self.secure,
                httponly=True,
                samesite="lax",
            )
        for name, path in self.to_clear.items():
            response.delete_cookie(name, path=path, secure=self.secure, httponly=True)


def pending_cookies(request: Request) -> PendingCookies:
    found = getattr(request.state, "console_cookies", None)
    if found is None:
        found = PendingCookies(secure=cookies_secure(request))
        request.state.console_cookies = found
    return found


def csrf_token(request: Request) -> str:
    """Return the token for this browser's forms, creating its cookie on first use."""
    nonce = getattr(request.state, "console_csrf_nonce", None) or request.cookies.get(CSRF_COOKIE)
    if not nonce or len(nonce) < 32:
        nonce = secrets.token_urlsafe(32)
        pending_cookies(request).set(CSRF_COOKIE, nonce, path="/")
    request.state.console_csrf_nonce = nonce
    return _sign(request, nonce)


async def check_csrf(request: Request) -> None:
    """Refuse a state-changing request without this browser's token or from another site."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise CsrfRejectedError()
    nonce = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not nonce or not sent or not hmac.compare_digest(sent, _sign(request, nonce)):
        raise CsrfRejectedError()


def _sign(request: Request, nonce: str) -> str:
    key = request.app.state.settings.secret("secret_key").encode()
    return hmac.new(key, b"console-csrf:" + nonce.encode(), hashlib.sha256).hexdigest()


class ConsoleHeadersMiddleware:
    """Add the strict Content-Security-Policy and related headers to console responses;
    pages (not static files) are never stored by caches."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith(CONSOLE_PREFIXES):
            await self.app(scope, receive, send)
            return
        static = path.startswith(STATIC_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in PAGE_HEADERS.items():
                    headers.setdefault(name, value)
                if not static:
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
