"""Tables owned by the Chatwoot integration: the contact of each user, and conversation
events received from Chatwoot.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from cuenty.kit.clock import utc_now
from cuenty.kit.db import Base, UTCDateTime


class ChatwootContact(Base):
    """The Chatwoot contact of a user, and the source id of its contact inbox."""

    __tablename__ = "chatwoot_contacts"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[int] = mapped_column(Integer, unique=True)
    source_id: Mapped[str | None] = mapped_column(String(200))
    synced_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utc_now, server_default=func.now()
    )


class ChatwootEvent(Base):
    """An inbound Chatwoot webhook already handled, by its delivery id or content digest."""

    __tablename__ = "chatwoot_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_key: Mapped[str] = mapped_column(String(200), unique=True)
    event: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    contact_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utc_now, server_default=func.now()
    )
