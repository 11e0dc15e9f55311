"""Delivery of one-time codes to a phone or an email address.

Until real providers are configured, `DevOutboxDelivery` records each message in the
`dev_outbox` table with the code masked and the code itself encrypted, for
`cuenty dev outbox` and tests; it never prints a code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.identity.models import DevOutboxMessage
from cuenty.kit import crypto
from cuenty.kit.clock import utc_now
from cuenty.kit.i18n import N_, translate

OUTBOX_PURPOSE = "dev-outbox-secret"
CODE_PLACEHOLDER = "{code}"

CODE_MESSAGES = {
    "login": N_(
        "Your CUENTY sign-in code is {code}. It expires in {minutes} minutes. "
        "Do not share it with anyone."
    ),
    "register": N_("Your CUENTY verification code is {code}. It expires in {minutes} minutes."),
    "two_factor": N_(
        "Your CUENTY security code is {code}. It expires in {minutes} minutes. "
        "If you did not try to sign in, change your password."
    ),
    "contact": N_(
        "Your CUENTY code to confirm this address is {code}. It expires in {minutes} minutes."
    ),
}


@dataclass(frozen=True)
class CodeMessage:
    channel: str
    recipient: str
    purpose: str
    code: str
    minutes: int
    locale: str = "es-MX"

    def render(self, code_text: str) -> str:
        return translate(
            self.locale, CODE_MESSAGES[self.purpose], code=code_text, minutes=self.minutes
        )


class CodeDelivery(Protocol):
    async def send(self, session: AsyncSession, message: CodeMessage) -> None: ...


class DevOutboxDelivery:
    """Development delivery: writes the message to `dev_outbox` instead of sending it."""

    def __init__(self, encryption_key: str) -> None:
        self.encryption_key = encryption_key

    async def send(self, session: AsyncSession, message: CodeMessage) -> None:
        session.add(
            DevOutboxMessage(
                channel=message.channel,
                recipient=message.recipient,
                purpose=message.purpose,
                body=message.render("••••••"),
                secret=crypto.encrypt(self.encryption_key, OUTBOX_PURPOSE, message.code.encode()),
                created_at=utc_now(),
            )
        )


async def read_outbox(
    session: AsyncSession, encryption_key: str, *, recipient: str | None = None, limit: int = 20
) -> list[tuple[DevOutboxMessage, str | None]]:
    """Return recent development messages with their codes decrypted (development only)."""
    statement = select(DevOutboxMessage).order_by(DevOutboxMessage.id.desc()).limit(limit)
    if recipient is not None:
        statement = statement.where(DevOutboxMessage.recipient == recipient)
    rows = (await session.scalars(statement)).all()
    return [(row, _reveal(encryption_key, row)) for row in rows]


def _reveal(encryption_key: str, row: DevOutboxMessage) -> str | None:
    if row.secret is None:
        return None
    return crypto.decrypt(encryption_key, OUTBOX_PURPOSE, row.secret).decode()
