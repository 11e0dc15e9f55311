"""Retry schedule of a job: exponential backoff with jitter and a maximum number of attempts.

The same policy object decides retries on SQLite (embedded runner) and PostgreSQL
(procrastinate), so a handler is retried alike on both.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class RetryPolicy:
    """Attempt n (1-based) that fails waits `base * factor**(n-1)` seconds, capped at `max_delay`,
    then reduced by a random share of up to `jitter` so that many failures do not retry at once.
    """

    max_attempts: int = 5
    base_seconds: float = 10.0
    factor: float = 2.0
    max_delay_seconds: float = 3600.0
    jitter: float = 0.25

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"jitter must be between 0 and 1, got {self.jitter}")
        if self.base_seconds < 0 or self.factor < 1 or self.max_delay_seconds < 0:
            raise ValueError("base_seconds and max_delay_seconds must be >= 0 and factor >= 1")

    def nominal_delay(self, failed_attempt: int) -> float:
        """Return the delay in seconds after a failed attempt, before jitter."""
        exponent = max(failed_attempt - 1, 0)
        # min() before the power would still overflow for huge exponents; cap the exponent.
        delay = self.base_seconds * self.factor ** min(exponent, 64)
        return min(delay, self.max_delay_seconds)

    def delay_after(
        self, failed_attempt: int, rng: random.Random | None = None
    ) -> timedelta | None:
        """Return how long to wait before the next attempt, or None when none is left."""
        if failed_attempt >= self.max_attempts:
            return None
        nominal = self.nominal_delay(failed_attempt)
        share = (rng or _rng).random() * self.jitter
        return timedelta(seconds=nominal * (1 - share))


# Jitter needs no cryptographic strength; tests pass their own seeded Random.
_rng = random.Random()  # noqa: S311

DEFAULT_POLICY = RetryPolicy()
