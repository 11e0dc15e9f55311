"""Context of a job run: besides its payload, a handler receives ids, attempt numbers, the
database and the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cuenty.config import Settings


@dataclass(frozen=True)
class JobContext:
    """One run of a job. Handlers open their own transactions with `session_factory`."""

    job_id: int
    name: str
    attempt: int
    max_attempts: int
    session_factory: async_sessionmaker[AsyncSession]
    settings: Settings
    now: Callable[[], datetime]
    # Set for periodic runs: the cron time this run is for.
    scheduled_for: datetime | None = None
    # Objects a process shares with its handlers (an HTTP client, a test's fake), by name.
    resources: dict[str, Any] | None = None

    @property
    def is_last_attempt(self) -> bool:
        return self.attempt >= self.max_attempts

    def resource(self, name: str, default: Any = None) -> Any:
        return (self.resources or {}).get(name, default)
