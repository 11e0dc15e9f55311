"""Heartbeats of service processes: each process writes one `service_health` row per service
it runs, every few seconds, with the result of its own readiness checks.

The analytics rollup `services_health_summary` turns these rows into the dashboard's
"Estado de microservicios". Nothing here probes another host: each process reports itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import String, delete, exists, select
from sqlalchemy.orm import Mapped, aliased, mapped_column

from cuenty import __version__
from cuenty.kit.clock import utc_now
from cuenty.kit.db import Base, UTCDateTime, transaction

# Rows older than this are deleted: the instance stopped or was replaced long ago.
HEARTBEAT_RETENTION = timedelta(days=1)
# A process silent this long while another of its service reports has stopped or been
# replaced: its row goes, so a restart does not leave the service "degraded". The newest row
# of a service is kept (up to the retention) so a service whose processes all stopped shows
# as down instead of vanishing.
REPLACED_AFTER = timedelta(minutes=10)
# A beat is one readiness check (2 s timeout each) and one short write.
STOP_TIMEOUT_SECONDS = 10.0

log = structlog.get_logger(__name__)


class ServiceHeartbeat(Base):
    """The latest report of one service in one process."""

    __tablename__ = "service_health"

    service: Mapped[str] = mapped_column(String(40), primary_key=True)
    instance_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    # "ready" when every readiness check passed, else "not_ready".
    status: Mapped[str] = mapped_column(String(10))
    checks: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


def instance_id() -> str:
    """Name this process: host, process id and a random suffix, unique across restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def record_heartbeat(
    factory: Any,
    services: list[str],
    instance: str,
    checks: dict[str, str],
    *,
    started_at: datetime,
    now: datetime | None = None,
) -> None:
    """Write this process's row for each service and delete rows past the retention."""
    moment = now or utc_now()
    status = "ready" if all(result != "failed" for result in checks.values()) else "not_ready"
    summary = ",".join(f"{name}={result}" for name, result in sorted(checks.items()))[:200]
    async with transaction(factory) as session:
        for service in services:
            row = await session.scalar(
                select(ServiceHeartbeat).where(
                    ServiceHeartbeat.service == service, ServiceHeartbeat.instance_id == instance
                )
            )
            if row is None:
                row = ServiceHeartbeat(service=service, instance_id=instance, started_at=started_at)
                session.add(row)
            row.status = status
            row.checks = summary
            row.version = __version__
            row.last_seen_at = moment
        # Written before the clean-up, which would otherwise delete a row that was last
        # seen over a day ago (a process paused that long) before its update.
        await session.flush()
        await session.execute(
            delete(ServiceHeartbeat).where(
                ServiceHeartbeat.last_seen_at < moment - HEARTBEAT_RETENTION
            )
        )
        newer = aliased(ServiceHeartbeat)
        await session.execute(
            delete(ServiceHeartbeat).where(
                ServiceHeartbeat.last_seen_at < moment - REPLACED_AFTER,
                exists().where(
                    newer.service == ServiceHeartbeat.service,
                    newer.last_seen_at > ServiceHeartbeat.last_seen_at,
                ),
            )
        )


class Heartbeat:
    """The task that reports this process; `stop()` lets a beat in progress finish, so no
    write is cancelled halfway with its transaction open."""

    def __init__(self, state: Any, interval_seconds: float) -> None:
        self.stopping = asyncio.Event()
        self.task = asyncio.create_task(
            _beat_until_stopped(state, interval_seconds, self.stopping), name="service-heartbeat"
        )

    async def stop(self) -> None:
        self.stopping.set()
        try:
            await asyncio.wait_for(self.task, timeout=STOP_TIMEOUT_SECONDS)
        except TimeoutError:
            log.warning("heartbeat.stop_timed_out", timeout_seconds=STOP_TIMEOUT_SECONDS)


def start_heartbeat(state: Any, interval_seconds: float) -> Heartbeat | None:
    """Start reporting this process every `interval_seconds` (0 turns it off)."""
    if interval_seconds <= 0:
        return None
    return Heartbeat(state, interval_seconds)


async def stop_heartbeat(heartbeat: Heartbeat | None) -> None:
    if heartbeat is not None:
        await heartbeat.stop()


async def _beat_until_stopped(state: Any, interval_seconds: float, stopping: asyncio.Event) -> None:
    from cuenty.health import check_components

    services = [service.name for service in state.services]
    instance = instance_id()
    started_at = utc_now()
    while not stopping.is_set():
        try:
            checks = await check_components(state)
            await record_heartbeat(
                state.session_factory, services, instance, checks, started_at=started_at
            )
        except Exception as error:  # the next beat retries; the process keeps serving
            log.warning("heartbeat.failed", instance=instance, error=str(error))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), timeout=interval_seconds)
