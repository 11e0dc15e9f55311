"""Prometheus gauges of business work waiting in the database, read when `/metrics` is scraped.

Each service exports only the gauges of the data it owns: payments the received transfers,
notifications the webhook messages, compliance the ARCO requests. The alert rules in
deploy/prometheus/rules/ use these names. A scrape reads the database at most once every
`REFRESH_SECONDS`; between reads, and after a failed read, the last values are served.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Gauge
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from cuenty.compliance.deadlines import business_days_left, calendar_for
from cuenty.compliance.models import OPEN_STATES, DataRequest
from cuenty.config import Settings
from cuenty.kit.clock import business_date, ensure_utc, utc_now
from cuenty.payments.models import ReceivedTransfer, TransferState
from cuenty.webhooks.models import MessageStatus, WebhookMessage

REFRESH_SECONDS = 15.0
# Transfers that wait for a person or for the next reconciliation run.
WAITING_TRANSFER_STATES = (TransferState.UNMATCHED.value, TransferState.REVIEW.value)
WATCHED_MESSAGE_STATUSES = (MessageStatus.PENDING.value, MessageStatus.FAILED.value)
ARCO_DEADLINE_BUCKETS = ("overdue", "near", "later")

log = structlog.get_logger(__name__)


class BusinessMetrics:
    """Gauges for the mounted services; `refresh` fills them from the database."""

    def __init__(self, registry: CollectorRegistry, services: set[str], settings: Settings) -> None:
        self.settings = settings
        self.refreshed_at: float | None = None
        self.transfers: Gauge | None = None
        self.transfer_oldest: Gauge | None = None
        self.webhook_messages: Gauge | None = None
        self.arco_requests: Gauge | None = None
        if "payments" in services:
            self.transfers = Gauge(
                "cuenty_received_transfers",
                "Received transfers waiting, by state: unmatched (next reconciliation run) "
                "or review (operations decide).",
                ("state",),
                registry=registry,
            )
            self.transfer_oldest = Gauge(
                "cuenty_received_transfers_oldest_seconds",
                "Age in seconds of the oldest received transfer in each waiting state "
                "(0 when none waits).",
                ("state",),
                registry=registry,
            )
        if "notifications" in services:
            self.webhook_messages = Gauge(
                "cuenty_webhook_messages",
                "Outgoing webhook messages by status: pending (not delivered yet) or failed "
                "(every attempt failed); kept for CUENTY_WEBHOOKS_KEEP_HISTORY_DAYS.",
                ("status",),
                registry=registry,
            )
        if "compliance" in services:
            self.arco_requests = Gauge(
                "cuenty_arco_requests_open",
                "Open ARCO requests by answer deadline: overdue, near (within "
                "CUENTY_COMPLIANCE_ALERT_BUSINESS_DAYS business days) or later.",
                ("deadline",),
                registry=registry,
            )

    @property
    def enabled(self) -> bool:
        return any(
            gauge is not None
            for gauge in (self.transfers, self.webhook_messages, self.arco_requests)
        )

    async def refresh_if_stale(self, session_factory: Any) -> None:
        """Read the database unless the last read is younger than REFRESH_SECONDS."""
        if not self.enabled:
            return
        now = time.monotonic()
        if self.refreshed_at is not None and now - self.refreshed_at < REFRESH_SECONDS:
            return
        self.refreshed_at = now
        try:
            async with session_factory() as session:
                await self.refresh(session, utc_now())
        except SQLAlchemyError as error:
            # The previous values stay; the next scrape after REFRESH_SECONDS tries again.
            log.warning("metrics.business_refresh_failed", error=str(error))

    async def refresh(self, session: Any, now: datetime) -> None:
        if self.transfers is not None:
            await self._read_transfers(session, now)
        if self.webhook_messages is not None:
            await self._read_webhook_messages(session)
        if self.arco_requests is not None:
            await self._read_arco_requests(session, now)

    async def _read_transfers(self, session: Any, now: datetime) -> None:
        assert self.transfers is not None and self.transfer_oldest is not None
        rows = await session.execute(
            select(
                ReceivedTransfer.state,
                func.count(),
                func.min(ReceivedTransfer.received_at),
            )
            .where(ReceivedTransfer.state.in_(WAITING_TRANSFER_STATES))
            .group_by(ReceivedTransfer.state)
        )
        found = {state: (count, oldest) for state, count, oldest in rows}
        for state in WAITING_TRANSFER_STATES:
            count, oldest = found.get(state, (0, None))
            self.transfers.labels(state).set(count)
            age = (now - ensure_utc(oldest)).total_seconds() if oldest is not None else 0.0
            self.transfer_oldest.labels(state).set(max(age, 0.0))

    async def _read_webhook_messages(self, session: Any) -> None:
        assert self.webhook_messages is not None
        rows = await session.execute(
            select(WebhookMessage.status, func.count())
            .where(WebhookMessage.status.in_(WATCHED_MESSAGE_STATUSES))
            .group_by(WebhookMessage.status)
        )
        found = dict(rows.all())
        for status in WATCHED_MESSAGE_STATUSES:
            self.webhook_messages.labels(status).set(found.get(status, 0))

    async def _read_arco_requests(self, session: Any, now: datetime) -> None:
        # NOTE: only the deadline to reply is counted. The execution deadline of a granted
        # request (state answered or executing) has no gauge yet.
        assert self.arco_requests is not None
        rows = await session.execute(
            select(DataRequest.answer_due, func.count())
            .where(DataRequest.state.in_(OPEN_STATES))
            .group_by(DataRequest.answer_due)
        )
        calendar = calendar_for(self.settings)
        today = business_date(now)
        near_days = self.settings.compliance_alert_business_days
        counts = dict.fromkeys(ARCO_DEADLINE_BUCKETS, 0)
        for due, count in rows:
            left = business_days_left(calendar, today, due)
            if left < 0:
                counts["overdue"] += count
            elif left <= near_days:
                counts["near"] += count
            else:
                counts["later"] += count
        for bucket, count in counts.items():
            self.arco_requests.labels(bucket).set(count)
