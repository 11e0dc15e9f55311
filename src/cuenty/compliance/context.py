"""Context of compliance services besides the session: settings, the federal calendar, the
actor and the current time, passed in so that tests control the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from fastapi import Request

from cuenty.compliance.deadlines import calendar_for
from cuenty.compliance.trail import SYSTEM, Actor
from cuenty.config import Settings
from cuenty.identity.access import Principal
from cuenty.kit.clock import utc_now
from cuenty.kit.net import client_ip
from cuenty.mexico.calendar import BusinessCalendar


@dataclass(frozen=True)
class ComplianceContext:
    settings: Settings
    now: datetime
    actor: Actor = SYSTEM
    principal: Principal | None = None
    calendar: BusinessCalendar = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "calendar", calendar_for(self.settings))

    @property
    def digest_key(self) -> str:
        return self.settings.secret("secret_key")


def request_context(request: Request, principal: Principal | None) -> ComplianceContext:
    settings: Settings = request.app.state.settings
    actor = Actor(
        user_id=principal.user_id if principal else None,
        role=principal.role if principal else None,
        ip_address=client_ip(request, settings.trusted_proxies),
        user_agent=request.headers.get("user-agent"),
    )
    return ComplianceContext(settings=settings, now=utc_now(), actor=actor, principal=principal)
