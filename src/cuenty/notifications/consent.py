"""Marketing consent: whether a user may receive a message of a purpose. Transactional and
security messages always go; marketing goes only when the consent backend allows it.

The backend is chosen by `CUENTY_NOTIFICATIONS_MARKETING_CONSENT`. "compliance", the
default, reads the consent and opposition records of the compliance package; "permissive"
(development) allows every user; "deny" allows none. Other backends can be added with
`register_backend`.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.config import Settings


class MarketingConsent(Protocol):
    async def allows(self, session: AsyncSession, user_id: uuid.UUID, purpose: str) -> bool: ...


class PermissiveConsent:
    """Development backend: every user consents and nobody opposes."""

    async def allows(self, session: AsyncSession, user_id: uuid.UUID, purpose: str) -> bool:
        return True


class DenyAllConsent:
    """Backend that sends no marketing at all, a safe choice until real records exist."""

    async def allows(self, session: AsyncSession, user_id: uuid.UUID, purpose: str) -> bool:
        return False


class ComplianceConsent:
    """Backend of the privacy records: a valid marketing consent and no opposition."""

    async def allows(self, session: AsyncSession, user_id: uuid.UUID, purpose: str) -> bool:
        from cuenty.compliance import consents

        return await consents.allows(session, user_id, purpose)


_backends: dict[str, MarketingConsent] = {
    "compliance": ComplianceConsent(),
    "permissive": PermissiveConsent(),
    "deny": DenyAllConsent(),
}


class UnknownConsentBackendError(LookupError):
    """Raised when the configured consent backend was never registered."""


def register_backend(name: str, backend: MarketingConsent) -> None:
    _backends[name] = backend


async def may_send(
    session: AsyncSession, settings: Settings, user_id: uuid.UUID | None, purpose: str
) -> bool:
    """Return whether a message of this purpose may go to the user."""
    if purpose != "marketing":
        return True
    if user_id is None:
        return False
    name = settings.notifications_marketing_consent
    backend = _backends.get(name)
    if backend is None:
        raise UnknownConsentBackendError(
            f"CUENTY_NOTIFICATIONS_MARKETING_CONSENT={name!r} is not a registered backend; "
            f"choose from {', '.join(sorted(_backends))}"
        )
    return await backend.allows(session, user_id, purpose)
