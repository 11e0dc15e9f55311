"""Demo data for the embedded mode: staff of every role, a few customers across Mexico, and
the demo catalog with stock (`cuenty.demo_commerce`).

Loading is idempotent: a user whose email already exists is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.config import Settings
from cuenty.demo_commerce import load_demo_catalog, load_demo_stock
from cuenty.identity.models import Role, User
from cuenty.kit.clock import utc_now
from cuenty.kit.security import hash_password, verify_password

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    role: Role
    phone: str | None = None
    postal_code: str | None = None


DEMO_USERS = (
    DemoUser("operaciones@cuenty.mx", "Mariana Operaciones", Role.OPERATIONS, "+525512340001"),
    DemoUser("soporte@cuenty.mx", "Jorge Soporte", Role.SUPPORT, "+525512340002"),
    DemoUser("privacidad@cuenty.mx", "Lucía Privacidad", Role.COMPLIANCE_OFFICER),
    DemoUser("ana.cliente@example.com", "Ana López", Role.CUSTOMER, "+523312345678", "44100"),
    DemoUser("carlos.cliente@example.com", "Carlos Pérez", Role.CUSTOMER, "+528112345678", "64000"),
    DemoUser(
        "sofia.cliente@example.com", "Sofía Hernández", Role.CUSTOMER, "+529612345678", "29000"
    ),
)


class DemoRefusedError(RuntimeError):
    """Raised when demo data would be loaded into a production database."""


async def database_is_empty(session: AsyncSession) -> bool:
    return (await session.scalar(select(func.count()).select_from(User))) == 0


async def admin_password_matches(session: AsyncSession, settings: Settings) -> bool:
    """Check that the configured demo password signs the demo admin in."""
    password_hash = await session.scalar(
        select(User.password_hash).where(User.email == settings.demo_admin_email)
    )
    if password_hash is None:
        return False
    return verify_password(settings.secret("demo_admin_password"), password_hash)[0]


async def load_demo_data(session: AsyncSession, settings: Settings) -> int:
    """Insert the demo users, services, plans and stock that are missing; return how many
    users were added."""
    if settings.is_production:
        raise DemoRefusedError("demo data is never loaded in production mode")

    password_hash = hash_password(settings.secret("demo_admin_password"))
    now = utc_now()
    admin = DemoUser(settings.demo_admin_email, "Administración CUENTY", Role.ADMIN)
    added = 0
    for demo_user in (admin, *DEMO_USERS):
        exists = await session.scalar(select(User.id).where(User.email == demo_user.email))
        if exists is not None:
            continue
        session.add(
            User(
                email=demo_user.email,
                name=demo_user.name,
                role=demo_user.role.value,
                phone=demo_user.phone,
                postal_code=demo_user.postal_code,
                password_hash=password_hash,
                # Demo addresses count as verified, so messages such as the credentials of
                # a delivered order reach the development outbox as they would a customer.
                email_verified_at=now,
                phone_verified_at=now if demo_user.phone else None,
            )
        )
        added += 1
    await session.flush()
    await load_demo_catalog(session)
    await load_demo_stock(session, settings.secret("encryption_key"))
    log.info("demo.loaded", users_added=added)
    return added
