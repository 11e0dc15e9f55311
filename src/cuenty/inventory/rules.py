"""Input rules shared by the single-account route and the CSV import: profiles, dates, logins.

A broken rule is a `RuleViolation` (field, code, message id, parameters). The route turns it
into a 422 field error, and the import into a rejected-row entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from cuenty.kit.i18n import N_, translate

MAX_LOGIN_LENGTH = 254
MAX_PASSWORD_LENGTH = 256
MAX_PIN_LENGTH = 16
MAX_PROFILE_NAME_LENGTH = 40
MAX_NOTES_LENGTH = 500
DEFAULT_PROFILE_NAME = N_("Profile {position}")


@dataclass(frozen=True)
class RuleViolation:
    field: str
    code: str
    message: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProfileSpec:
    name: str
    pin: str | None = field(default=None, repr=False)


def plan_profiles(
    named: list[ProfileSpec] | None,
    count: int | None,
    *,
    service_name: str,
    per_account: int,
    locale: str,
) -> list[ProfileSpec] | RuleViolation:
    """Return the profiles a new account gets: the named ones, `count` default ones, or
    as many as the service has per account."""
    if named is not None:
        total = len(named)
    else:
        total = per_account if count is None else count
    if total < 1:
        return RuleViolation(
            "profiles", "too_few_profiles", N_("An account needs at least 1 profile.")
        )
    if total > per_account:
        return RuleViolation(
            "profiles",
            "too_many_profiles",
            N_("{service} accounts have at most {max} profile(s); {count} were given."),
            {"service": service_name, "max": per_account, "count": total},
        )
    if named is None:
        return [
            ProfileSpec(translate(locale, DEFAULT_PROFILE_NAME, position=position))
            for position in range(1, total + 1)
        ]
    names = [profile.name.casefold() for profile in named]
    if len(set(names)) != len(names):
        return RuleViolation(
            "profiles",
            "duplicate_profile_name",
            N_("Each profile of an account needs a different name."),
        )
    return named


def parse_business_date(value: str) -> date | None:
    """Parse YYYY-MM-DD or DD/MM/YYYY (how Excel writes dates in Mexico); None if neither."""
    text = value.strip()
    for layout in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, layout).date()
        except ValueError:
            continue
    return None


def too_long(field_name: str, max_length: int) -> RuleViolation:
    return RuleViolation(
        field_name,
        "string_too_long",
        N_("Must have at most {max_length} character(s)."),
        {"max_length": max_length},
    )


def required(field_name: str) -> RuleViolation:
    return RuleViolation(field_name, "missing", N_("This field is required."))
