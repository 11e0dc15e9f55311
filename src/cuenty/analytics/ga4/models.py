"""Table of GA4 forwarding: how far through `analytics_events` forwarding has read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from cuenty.kit.db import Base, updated_at_column

DEFAULT_CURSOR = "ga4"


class ForwardCursor(Base):
    """The highest `analytics_events.id` already handed to a send job."""

    __tablename__ = "ga4_forward_cursors"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_event_row_id: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = updated_at_column()
