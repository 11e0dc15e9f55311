"""Request context of identity services: settings, delivery, revocation store,
rate limiter, the client's address and the current time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import Request

from cuenty.config import Settings
from cuenty.identity.access import RevocationStore
from cuenty.identity.delivery import CodeDelivery
from cuenty.identity.sessions import ClientInfo
from cuenty.kit.clock import utc_now
from cuenty.kit.net import client_ip
from cuenty.kit.ratelimit import RateLimiter, parse_limit


@dataclass(frozen=True)
class IdentityContext:
    settings: Settings
    delivery: CodeDelivery
    revocations: RevocationStore
    limiter: RateLimiter | None
    client: ClientInfo
    now: datetime

    @property
    def hmac_secret(self) -> str:
        return self.settings.secret("secret_key")

    @property
    def encryption_key(self) -> str:
        return self.settings.secret("encryption_key")

    async def limit_auth_attempt(
        self, route: str, identity: str | None, *, by_address: bool = True
    ) -> None:
        """Apply the strict sign-in limit per client address and per account identifier."""
        if self.limiter is None:
            return
        limit = parse_limit(self.settings.rate_limit_auth)
        if by_address:
            await self.limiter.enforce(limit, f"auth:{route}:ip", self.client.ip_address or "-")
        if identity:
            await self.limiter.enforce(limit, f"auth:{route}:id", identity.casefold())


def identity_context(request: Request) -> IdentityContext:
    state = request.app.state
    settings: Settings = state.settings
    return IdentityContext(
        settings=settings,
        delivery=state.code_delivery,
        revocations=state.revocations,
        limiter=state.rate_limiter if settings.rate_limit_enabled else None,
        client=ClientInfo(
            ip_address=client_ip(request, settings.trusted_proxies),
            user_agent=request.headers.get("user-agent"),
            request_id=getattr(request.state, "request_id", None),
        ),
        now=utc_now(),
    )
