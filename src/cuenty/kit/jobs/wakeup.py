"""Waking the job runners as soon as new work commits, instead of at their next poll.

On SQLite the runners in this process are woken after the session commits. On PostgreSQL an
event's transaction sends NOTIFY, which the database delivers to the workers' relay at commit;
procrastinate's own NOTIFY does the same for jobs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession

EVENTS_CHANNEL = "cuenty_outbox"
_SESSION_FLAG = "cuenty_jobs_wake_after_commit"
_runners: set[Callable[[], None]] = set()


def register_runner(wake: Callable[[], None]) -> None:
    _runners.add(wake)


def unregister_runner(wake: Callable[[], None]) -> None:
    _runners.discard(wake)


async def wake_after_commit(session: AsyncSession) -> None:
    """Arrange for the runners to wake when the caller's transaction commits."""
    if (await session.connection()).dialect.name == "postgresql":
        await session.execute(text(f"SELECT pg_notify('{EVENTS_CHANNEL}', '')"))
        return
    if session.info.get(_SESSION_FLAG):
        return
    session.info[_SESSION_FLAG] = True
    # A rolled-back transaction leaves the hook in place; it then fires on the session's next
    # commit, which only costs the runners an early pass.
    event.listen(session.sync_session, "after_commit", _wake_runners, once=True)


def _wake_runners(session: Any) -> None:
    session.info.pop(_SESSION_FLAG, None)
    for wake in list(_runners):
        wake()
