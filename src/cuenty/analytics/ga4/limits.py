"""GA4's Measurement Protocol limits, checked locally before anything is sent.

Sources: Google's Measurement Protocol (GA4) reference, sections "Reserved names" and
"Limitations", and the "Event collection limits" help page for the longer page_* values. GA4
returns 2xx even for events it drops, so an event that breaks a rule is skipped here instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

MAX_EVENTS_PER_REQUEST = 25
MAX_PARAMS_PER_EVENT = 25
MAX_NAME_CHARS = 40  # event and parameter names
MAX_VALUE_CHARS = 100
# GA4 accepts these standard web parameters longer than 100 characters.
LONG_VALUE_CHARS = {"page_location": 1000, "page_referrer": 420, "page_title": 300}
MAX_EVENT_AGE = timedelta(hours=72)  # how far back timestamp_micros may date an event

RESERVED_PREFIXES = ("_", "firebase_", "ga_", "google_", "gtag.")
RESERVED_EVENT_NAMES = frozenset(
    {
        "ad_activeview",
        "ad_click",
        "ad_exposure",
        "ad_impression",
        "ad_query",
        "ad_reward",
        "adunit_exposure",
        "app_background",
        "app_clear_data",
        "app_exception",
        "app_install",
        "app_remove",
        "app_store_refund",
        "app_update",
        "app_upgrade",
        "dynamic_link_app_open",
        "dynamic_link_app_update",
        "dynamic_link_first_open",
        "error",
        "firebase_campaign",
        "firebase_in_app_message_action",
        "firebase_in_app_message_dismiss",
        "firebase_in_app_message_impression",
        "first_open",
        "first_visit",
        "in_app_purchase",
        "notification_dismiss",
        "notification_foreground",
        "notification_open",
        "notification_receive",
        "notification_send",
        "os_update",
        "screen_view",
        "session_start",
        "user_engagement",
    }
)
RESERVED_PARAM_NAMES = frozenset({"firebase_conversion"})

# Names start with an ASCII letter and hold letters, digits and underscores.
NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def event_violation(name: str, params: Mapping[str, Any]) -> str | None:
    """Return the rule an event breaks (a short code such as `name_too_long`), or None."""
    problem = name_violation(name)
    if problem is not None:
        return problem
    if name in RESERVED_EVENT_NAMES:
        return "name_reserved"
    if len(params) > MAX_PARAMS_PER_EVENT:
        return "too_many_params"
    for key, value in params.items():
        problem = _param_violation(key, value)
        if problem is not None:
            return problem
    return None


def name_violation(name: str) -> str | None:
    """Return the naming rule `name` breaks, or None; shared by events and parameters."""
    if name.startswith(RESERVED_PREFIXES):
        return "name_reserved_prefix"
    if len(name) > MAX_NAME_CHARS:
        return "name_too_long"
    if not name[:1].isascii() or not name[:1].isalpha():
        return "name_not_starting_with_letter"
    if not NAME_PATTERN.match(name):
        return "name_invalid_characters"
    return None


def _param_violation(key: str, value: Any) -> str | None:
    problem = name_violation(key)
    if problem is not None:
        return f"param_{problem}"
    if key in RESERVED_PARAM_NAMES:
        return "param_name_reserved"
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        return "param_value_type"
    if isinstance(value, str) and len(value) > LONG_VALUE_CHARS.get(key, MAX_VALUE_CHARS):
        return "param_value_too_long"
    return None
