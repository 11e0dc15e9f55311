"""One-time codes (sign-in, sign-up, 2FA, contact checks) sent through the notification
providers. Identity calls this through its `CodeDelivery` protocol when real providers are
configured; otherwise it keeps the development outbox (`cuenty dev outbox`).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.config import Settings
from cuenty.identity.delivery import CodeDelivery, CodeMessage, DevOutboxDelivery
from cuenty.notifications.providers import uses_real_providers
from cuenty.notifications.service import queue

TEMPLATE = "one_time_code"


class NotificationCodeDelivery:
    """Queue each code as a notification to exactly the address identity chose.

    The code and the address are stored encrypted in the notification (`sealed`); the job
    payload carries only the notification id, and the delivery log shows the code masked.
    """

    def __init__(self, encryption_key: str) -> None:
        self.encryption_key = encryption_key

    async def send(self, session: AsyncSession, message: CodeMessage) -> None:
        await queue(
            session,
            user_id=None,
            template=TEMPLATE,
            context={"minutes": message.minutes, "codePurpose": message.purpose},
            channel=message.channel,
            purpose="security",
            sealed={"recipient": message.recipient, "code": message.code},
            master_key=self.encryption_key,
            locale=message.locale,
        )


def code_delivery(settings: Settings) -> CodeDelivery:
    """Return the code delivery for these settings: through the notification providers when
    any real provider is configured, else the development outbox."""
    key = settings.secret("encryption_key")
    if uses_real_providers(settings):
        return NotificationCodeDelivery(key)
    return DevOutboxDelivery(key)
