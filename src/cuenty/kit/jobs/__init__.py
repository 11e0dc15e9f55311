"""Background jobs and events: written in the caller's transaction, run with retries, and
scheduled by cron, on SQLite (embedded runner) and PostgreSQL (procrastinate).

    from cuenty.kit import jobs

    @jobs.handler("orders.expire_unpaid", max_attempts=3)
    async def expire_unpaid(context: jobs.JobContext, payload: dict) -> None: ...

    jobs.periodic("orders.expire_unpaid", "*/10 * * * *")
    await jobs.enqueue(session, "orders.expire_unpaid", {"order_id": order.id})
"""

from cuenty.kit.jobs.context import JobContext
from cuenty.kit.jobs.enqueue import (
    InvalidPayloadError,
    enqueue,
    enqueue_many,
    publish,
    publish_many,
)
from cuenty.kit.jobs.registry import (
    Handler,
    JobRegistry,
    Schedule,
    UnknownJobError,
    load_task_modules,
    registry,
)
from cuenty.kit.jobs.retry import RetryPolicy

handler = registry.handler
periodic = registry.periodic
subscribe = registry.subscribe

__all__ = [
    "Handler",
    "InvalidPayloadError",
    "JobContext",
    "JobRegistry",
    "RetryPolicy",
    "Schedule",
    "UnknownJobError",
    "enqueue",
    "enqueue_many",
    "handler",
    "load_task_modules",
    "periodic",
    "publish",
    "publish_many",
    "registry",
    "subscribe",
]
