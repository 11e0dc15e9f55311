"""Development provider: records each message, secrets masked, in `notification_dev_messages`
instead of sending it. It never prints a message, so codes never reach a terminal or log.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.notifications.models import DevMessage
from cuenty.notifications.providers.base import OutgoingMessage


class DevProvider:
    def __init__(self, channel: str) -> None:
        self.name = f"dev_{channel}"

    async def send(self, message: OutgoingMessage, session: AsyncSession) -> str:
        message_id = f"dev-{uuid.uuid4().hex}"
        session.add(
            DevMessage(
                channel=message.channel,
                recipient=message.address[:254],
                template=message.template,
                subject=message.subject[:300] or None,
                body=message.masked_body,
                provider_message_id=message_id,
            )
        )
        await session.flush()
        return message_id
