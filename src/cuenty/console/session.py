"""Console sessions: the API's tokens kept in HttpOnly cookies and checked on every page.

The staff console (`/console`) and the customer portal (`/cuenta`) keep separate cookies,
scoped to their own path. The access token is verified locally, as the API does. When it has
expired, the refresh token gets a new pair from the API. Without either, the page sends the
person to the sign-in form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Request

from cuenty.console.client import ApiProblem, ConsoleApi
from cuenty.console.locale import page_locale
from cuenty.console.security import pending_cookies
from cuenty.identity.access import Principal
from cuenty.identity.authentication import principal_from_claims
from cuenty.kit.errors import ForbiddenError, ProblemError


@dataclass(frozen=True)
class Area:
    """The staff console or the customer portal."""

    name: str
    path: str
    staff: bool

    @property
    def sign_in_path(self) -> str:
        return f"{self.path}/entrar"

    @property
    def access_cookie(self) -> str:
        return f"cuenty_{self.name}_access"

    @property
    def refresh_cookie(self) -> str:
        return f"cuenty_{self.name}_refresh"


STAFF = Area("console", "/console", staff=True)
CUSTOMER = Area("cuenta", "/cuenta", staff=False)


@dataclass(frozen=True)
class Viewer:
    """The signed-in person of a page, with an API client that acts as them."""

    principal: Principal
    token: str
    area: Area
    api: ConsoleApi

    @property
    def role(self) -> str:
        return self.principal.role

    def can(self, scope: str) -> bool:
        return self.principal.has_scope(scope)


class SignInRequired(Exception):
    """Raised by a page whose visitor is not signed in; the route sends them to sign in."""

    def __init__(self, area: Area, next_path: str) -> None:
        super().__init__(area.name)
        self.area = area
        self.next_path = next_path

    @property
    def location(self) -> str:
        return f"{self.area.sign_in_path}?next={quote(self.next_path, safe='/')}"


def api_for(request: Request, token: str | None = None) -> ConsoleApi:
    return ConsoleApi(request, token, page_locale(request))


async def current_viewer(request: Request, area: Area) -> Viewer | None:
    """Return the person signed in to this area, refreshing an expired token, or None."""
    cached = getattr(request.state, "console_viewer", None)
    if isinstance(cached, Viewer) and cached.area == area:
        return cached
    token = request.cookies.get(area.access_cookie)
    principal = await _verified(request, token)
    if principal is None:
        token = await _refreshed_token(request, area)
        principal = await _verified(request, token)
    if principal is None or token is None or principal.is_staff != area.staff:
        return None
    viewer = Viewer(principal, token, area, api_for(request, token))
    request.state.console_viewer = viewer
    return viewer


async def require_viewer(request: Request, area: Area, scope: str | None = None) -> Viewer:
    viewer = await current_viewer(request, area)
    if viewer is None:
        next_path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(area, next_path)
    if scope is not None and not viewer.can(scope):
        raise ForbiddenError()
    return viewer


def start_session(request: Request, area: Area, tokens: dict[str, Any]) -> None:
    """Keep the API's token pair in this area's cookies."""
    cookies = pending_cookies(request)
    refresh_days = request.app.state.settings.refresh_token_ttl_days
    cookies.set(
        area.access_cookie,
        str(tokens["accessToken"]),
        path=area.path,
        max_age=int(tokens.get("expiresIn") or 3600),
    )
    cookies.set(
        area.refresh_cookie,
        str(tokens["refreshToken"]),
        path=area.path,
        max_age=refresh_days * 24 * 3600,
    )


async def end_session(request: Request, area: Area) -> None:
    """Revoke the session at the API (when it is still valid) and clear the cookies."""
    viewer = await current_viewer(request, area)
    if viewer is not None:
        try:
            await viewer.api.post("/v1/auth/logout")
        except ApiProblem:
            pass  # Already revoked or expired: the cookies go anyway.
    cookies = pending_cookies(request)
    cookies.clear(area.access_cookie, path=area.path)
    cookies.clear(area.refresh_cookie, path=area.path)


def safe_next(area: Area, requested: str | None) -> str:
    """A return path after sign-in: only a path inside the same area, never another site."""
    if requested and requested.startswith(area.path + "/") and not requested.startswith("//"):
        if "\\" not in requested and "\n" not in requested and "\r" not in requested:
            return requested
    return area.path


async def _verified(request: Request, token: str | None) -> Principal | None:
    if not token:
        return None
    try:
        claims = await request.app.state.authenticator.verify_token(token)
    except ProblemError:
        return None
    return principal_from_claims(claims)


async def _refreshed_token(request: Request, area: Area) -> str | None:
    refresh = request.cookies.get(area.refresh_cookie)
    if not refresh:
        return None
    try:
        tokens = await api_for(request).post("/v1/auth/refresh", {"refreshToken": refresh})
    except ApiProblem:
        cookies = pending_cookies(request)
        cookies.clear(area.access_cookie, path=area.path)
        cookies.clear(area.refresh_cookie, path=area.path)
        return None
    start_session(request, area, tokens)
    return str(tokens["accessToken"])
