"""Turning a stored analytics event into a Measurement Protocol event: its GA4 name, its
parameters without personal data, and the local check against GA4's limits.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from cuenty.analytics.ga4.contact_data import is_personal
from cuenty.analytics.ga4.limits import event_violation
from cuenty.analytics.ga4.settings import Ga4Settings
from cuenty.analytics.models import AnalyticsEvent
from cuenty.kit.money import CURRENCY

# Event types whose amount GA4 reads as revenue (`value` with `currency`).
MONEY_EVENT_TYPES = frozenset({"order_created", "payment", "payment_returned", "refund"})
# GA4 ties purchase and refund events to an order through `transaction_id`.
TRANSACTION_EVENT_TYPES = frozenset({"payment", "payment_returned", "refund"})


@dataclass
class PreparedEvent:
    """An event ready for a request, or the reason it is skipped."""

    row_id: int
    event: dict[str, Any] | None = None
    skip_reason: str | None = None
    stripped_params: int = 0


def prepare(row: AnalyticsEvent, settings: Ga4Settings) -> PreparedEvent:
    """Build the GA4 event of a stored row; invalid events carry the rule they break."""
    name = settings.ga4_name(row.event_type)
    params, stripped = _without_personal_data(_params(row))
    problem = event_violation(name, params)
    if problem is not None:
        return PreparedEvent(row.id, skip_reason=problem, stripped_params=stripped)
    event = {
        "name": name,
        "params": params,
        "timestamp_micros": int(row.occurred_at.timestamp() * 1_000_000),
    }
    return PreparedEvent(row.id, event=event, stripped_params=stripped)


def client_key(row: AnalyticsEvent) -> str:
    """Return what identifies the browser or user of an event, before hashing."""
    if row.anonymous_id:
        return f"anonymous:{row.anonymous_id}"
    if row.session_id:
        return f"session:{row.session_id}"
    if row.user_id:
        return f"user:{row.user_id}"
    return f"event:{row.event_id}"


def pseudonym(key: str, secret_key: str) -> str:
    """Return a stable keyed hash of an identifier, sent in place of the identifier itself."""
    digest = hmac.new(secret_key.encode(), f"ga4:{key}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def _params(row: AnalyticsEvent) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, value in (row.properties or {}).items():
        # GA4 parameters are strings or numbers; nested objects and lists are not forwarded.
        if isinstance(value, str | int | float | Decimal) and not isinstance(value, bool):
            params[str(key)] = value
    if row.page_url:
        params["page_location"] = _without_query(row.page_url)
    if row.referrer:
        params["page_referrer"] = _without_query(row.referrer)
    if row.event_type in MONEY_EVENT_TYPES and row.amount is not None:
        params["currency"] = CURRENCY
        # GA4 reports a refund as a positive amount returned.
        params["value"] = abs(row.amount)
    if row.event_type in TRANSACTION_EVENT_TYPES and row.order_id is not None:
        params["transaction_id"] = str(row.order_id)
    if row.service_id is not None:
        params["service_id"] = str(row.service_id)
    return params


def _without_personal_data(params: dict[str, Any]) -> tuple[dict[str, Any], int]:
    kept = {key: value for key, value in params.items() if not is_personal(key, value)}
    return kept, len(params) - len(kept)


def _without_query(url: str) -> str:
    # Query strings and fragments often carry emails, tokens or campaign ids; paths are kept.
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
