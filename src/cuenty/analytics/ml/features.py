"""Point-in-time features of renewal decisions, so training never sees the future.

A renewal decision is the end of one period of a subscription. Its features are computed as
of `lead` before that end (when the first reminder goes out), from rows that existed then;
its label is 1 when no renewal was paid within `grace` after the end. Periods are rebuilt
from the first payment and the paid renewal orders with the plan's duration, the way
renewals extend a subscription (from the old end, or from the payment once it had ended).
"""

from __future__ import annotations

import bisect
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from cuenty.analytics.ml.history import History, PlanTerms
from cuenty.subscriptions.models import SubscriptionState
from cuenty.subscriptions.periods import period_end

if TYPE_CHECKING:
    import pandas as pd

DAY = 86400.0
FEATURES = (
    "daysSinceLastSession",
    "sessionsLast30Days",
    "avgTimeOnSite",
    "conversions",
    "paymentsReturned",
    "remindersIgnored",
    "otherSubscriptions",
    "tenureDays",
    "renewalsSoFar",
    "lateRenewals",
    "daysToPayLastRenewal",
    "planPrice",
    "periodDays",
)
# The last-day reminders (1 and 0 days before the end) go out only while a period is still
# unpaid, so each one is a reminder the customer let pass.
IGNORED_REMINDER_DAYS = 1
SCORED_STATES = (SubscriptionState.ACTIVE.value, SubscriptionState.EXPIRING.value)


@dataclass(frozen=True)
class Period:
    index: int
    ends_at: datetime
    # None while the grace after the end has not passed yet.
    churned: bool | None
    late: bool


@dataclass
class Examples:
    rows: list[dict[str, float]] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    users: list[uuid.UUID] = field(default_factory=list)
    # Per subscription: (renewals before the first churn, whether a churn was observed).
    lifetimes: list[tuple[int, bool, datetime]] = field(default_factory=list)

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.rows, columns=list(FEATURES), dtype=float)


@dataclass
class Candidate:
    subscription_id: uuid.UUID
    user_id: uuid.UUID
    ends_at: datetime
    renewals_done: int
    features: dict[str, float]


@dataclass
class UserActivity:
    """One user's timestamps (epoch seconds, sorted) for counting what happened before a
    moment."""

    session_starts: list[float] = field(default_factory=list)
    session_ends: list[float] = field(default_factory=list)
    session_seconds: list[float] = field(default_factory=list)
    payments: list[float] = field(default_factory=list)
    returns: list[float] = field(default_factory=list)
    ignored_reminders: list[float] = field(default_factory=list)
    subscriptions_created: list[float] = field(default_factory=list)


def build(
    history: History, *, now: datetime, lead: timedelta, grace: timedelta, horizon: timedelta
) -> tuple[Examples, list[Candidate]]:
    """Training examples from every decided period, and the subscriptions to score: active
    ones whose period ends within `horizon`, with features as of `now`."""
    activity = _activity_by_user(history)
    renewals = defaultdict(list)
    for subscription_id, created_at, paid_at in history.renewals:
        renewals[subscription_id].append((paid_at, created_at))
    examples, candidates = Examples(), []
    for row in history.subscriptions:
        plan = history.plans.get(row.plan_id)
        first_paid = history.first_payments.get(row.order_id) or row.starts_at
        if plan is None or first_paid is None:
            continue
        paid = sorted(renewals.get(row.id, []))
        periods = rebuild_periods(first_paid, plan, [p for p, _ in paid], now=now, grace=grace)
        user = activity.get(row.user_id, UserActivity())
        _add_examples(examples, row, plan, periods, paid, user, first_paid, lead)
        if (
            row.state in SCORED_STATES
            and row.ends_at is not None
            and now < row.ends_at <= now + horizon
        ):
            done = sum(1 for paid_at, _ in paid if paid_at <= now)
            late = sum(1 for period in periods if period.late and period.ends_at < now)
            features = point_in_time(
                user, plan, paid, first_paid, now, renewals_done=done, late_renewals=late
            )
            candidates.append(Candidate(row.id, row.user_id, row.ends_at, done, features))
    return examples, candidates


def rebuild_periods(
    first_paid: datetime,
    plan: PlanTerms,
    renewals_paid: list[datetime],
    *,
    now: datetime,
    grace: timedelta,
) -> list[Period]:
    terms = SimpleNamespace(duration_value=plan.duration_value, duration_unit=plan.duration_unit)
    periods: list[Period] = []
    ends_at = period_end(first_paid, terms)  # type: ignore[arg-type]
    for index in range(len(renewals_paid) + 1):
        if ends_at > now:
            break
        if index == len(renewals_paid):
            decided = ends_at + grace <= now
            periods.append(Period(index, ends_at, True if decided else None, False))
            break
        paid_at = renewals_paid[index]
        periods.append(Period(index, ends_at, paid_at > ends_at + grace, paid_at > ends_at))
        # A renewal paid after the end restarts the subscription from the payment.
        ends_at = period_end(max(ends_at, paid_at), terms)  # type: ignore[arg-type]
    return periods


def point_in_time(
    user: UserActivity,
    plan: PlanTerms,
    renewals: list[tuple[datetime, datetime]],
    first_paid: datetime,
    moment: datetime,
    *,
    renewals_done: int,
    late_renewals: int,
) -> dict[str, float]:
    at = moment.timestamp()
    sessions = bisect.bisect_left(user.session_starts, at)
    last_end = max(user.session_ends[:sessions], default=None)
    seconds = user.session_seconds[:sessions]
    earlier = [(paid, created) for paid, created in renewals if paid <= moment]
    return {
        "daysSinceLastSession": (at - min(last_end, at)) / DAY
        if last_end is not None
        else float("nan"),
        "sessionsLast30Days": float(
            sessions - bisect.bisect_left(user.session_starts, at - 30 * DAY)
        ),
        "avgTimeOnSite": sum(seconds) / len(seconds) if seconds else 0.0,
        "conversions": float(bisect.bisect_left(user.payments, at)),
        "paymentsReturned": float(bisect.bisect_left(user.returns, at)),
        "remindersIgnored": float(bisect.bisect_left(user.ignored_reminders, at)),
        "otherSubscriptions": float(max(0, bisect.bisect_left(user.subscriptions_created, at) - 1)),
        "tenureDays": (at - first_paid.timestamp()) / DAY,
        "renewalsSoFar": float(renewals_done),
        "lateRenewals": float(late_renewals),
        "daysToPayLastRenewal": (
            (earlier[-1][0] - earlier[-1][1]).total_seconds() / DAY if earlier else float("nan")
        ),
        "planPrice": float(plan.price),
        "periodDays": float(plan.duration_value * (30.44 if plan.duration_unit == "months" else 1)),
    }


def _add_examples(
    examples: Examples,
    row: Any,
    plan: PlanTerms,
    periods: list[Period],
    renewals: list[tuple[datetime, datetime]],
    user: UserActivity,
    first_paid: datetime,
    lead: timedelta,
) -> None:
    late = 0
    first_churn: int | None = None
    decided = 0
    for period in periods:
        if period.churned is None:
            break
        cutoff = max(period.ends_at - lead, first_paid)
        features = point_in_time(
            user, plan, renewals, first_paid, cutoff, renewals_done=period.index, late_renewals=late
        )
        examples.rows.append(features)
        examples.labels.append(int(period.churned))
        examples.users.append(row.user_id)
        decided += 1
        late += int(period.late)
        if period.churned and first_churn is None:
            first_churn = period.index
    if first_churn is not None:
        examples.lifetimes.append((first_churn, True, first_paid))
    elif periods or decided:
        examples.lifetimes.append((decided, False, first_paid))


def _activity_by_user(history: History) -> dict[uuid.UUID, UserActivity]:
    activity: dict[uuid.UUID, UserActivity] = defaultdict(UserActivity)
    for user_id, started_at, last_event_at in sorted(history.sessions, key=lambda r: r[1]):
        entry = activity[user_id]
        entry.session_starts.append(started_at.timestamp())
        entry.session_ends.append(last_event_at.timestamp())
        entry.session_seconds.append((last_event_at - started_at).total_seconds())
    for user_id, event_type, occurred_at in history.payment_events:
        target = (
            activity[user_id].payments if event_type == "payment" else activity[user_id].returns
        )
        target.append(occurred_at.timestamp())
    for user_id, created_at, days_before in history.reminders:
        if days_before <= IGNORED_REMINDER_DAYS:
            activity[user_id].ignored_reminders.append(created_at.timestamp())
    for row in history.subscriptions:
        activity[row.user_id].subscriptions_created.append(row.created_at.timestamp())
    for entry in activity.values():
        entry.payments.sort()
        entry.returns.sort()
        entry.ignored_reminders.sort()
        entry.subscriptions_created.sort()
    return activity
