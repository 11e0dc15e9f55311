"""Cron expressions of periodic jobs: validation, next run, and the runs due in a window.

Expressions are evaluated in UTC, as procrastinate does; 02:00 in Mexico City is `0 8 * * *`.
A sixth field, last, gives seconds: `* * * * * */10` runs every ten seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from croniter import croniter

# A scheduler that was stopped for long must not fire thousands of catch-up runs at once.
MAX_CATCH_UP_RUNS = 100


class InvalidCronError(ValueError):
    """Raised for a cron expression croniter cannot parse."""


def validate_cron(expression: str) -> str:
    if not croniter.is_valid(expression):
        raise InvalidCronError(f"invalid cron expression {expression!r}")
    return expression


def next_run(expression: str, after: datetime) -> datetime:
    """Return the first run strictly after `after`, in UTC."""
    iterator = croniter(expression, after.astimezone(UTC))
    return iterator.get_next(datetime).astimezone(UTC)


def previous_run(expression: str, at: datetime) -> datetime:
    """Return the last run at or before `at`, in UTC."""
    moment = at.astimezone(UTC)
    iterator = croniter(expression, moment + timedelta(microseconds=1))
    return iterator.get_prev(datetime).astimezone(UTC)


def due_runs(
    expression: str, *, last_run: datetime | None, now: datetime, max_delay: timedelta
) -> Iterator[datetime]:
    """Yield the runs that are due at `now`, oldest first.

    With no previous run only the latest run counts, as procrastinate's deferrer does on
    start-up; runs older than `max_delay` are skipped in both cases.
    """
    if last_run is None:
        latest = previous_run(expression, now)
        if now - latest <= max_delay:
            yield latest
        return
    moment = last_run
    for _ in range(MAX_CATCH_UP_RUNS):
        moment = next_run(expression, moment)
        if moment > now:
            return
        if now - moment <= max_delay:
            yield moment
