"""Helpers shared by the privacy pages: the scope they need, the API prefix, the people who
can be assigned a request and the names behind user ids."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import Request

from cuenty.console import navigation
from cuenty.console.client import ApiProblem, ConsoleApi
from cuenty.console.pages import privacy_labels
from cuenty.console.session import STAFF, Viewer, require_viewer

SCOPE = "compliance:read"
API = "/v1/compliance"
# Roles that may work the queue in the API (its OFFICER_ROLES, and admins), so the roles
# offered as assignees.
OFFICER_ROLES = ("compliance_officer", "admin")
MAX_STAFF = 100

LABELS = {
    "types": privacy_labels.REQUEST_TYPES,
    "states": privacy_labels.REQUEST_STATES,
    "channels": privacy_labels.CHANNELS,
    "decisions": privacy_labels.DECISIONS,
    "grounds": privacy_labels.REFUSAL_GROUNDS,
    "methods": privacy_labels.IDENTITY_METHODS,
    "officer_methods": privacy_labels.OFFICER_IDENTITY_METHODS,
    "purposes": privacy_labels.PURPOSES,
    "actions": privacy_labels.EVENT_ACTIONS,
    "incidents": privacy_labels.INCIDENT_STATES,
    "roles": navigation.ROLE_LABELS,
}


async def privacy_viewer(request: Request) -> Viewer:
    """Return the signed-in staff member. Raise to redirect to sign-in when nobody is signed
    in, and raise 403 when the role lacks the scope."""
    return await require_viewer(request, STAFF, SCOPE)


async def load_officers(api: ConsoleApi) -> list[dict[str, Any]]:
    """Return the active compliance officers and admins, by name, for assignment.

    NOTE: only the first MAX_STAFF of each role are listed; a larger team needs a search.
    """
    people: list[dict[str, Any]] = []
    for role in OFFICER_ROLES:
        try:
            page = await api.get("/v1/users", role=role, limit=MAX_STAFF)
        except ApiProblem:
            continue
        people.extend(person for person in page["items"] if person.get("isActive", True))
    return sorted(people, key=lambda person: (person.get("name") or "").lower())


async def names_of(
    api: ConsoleApi, user_ids: Iterable[Any], known: Iterable[dict[str, Any]] = ()
) -> dict[str, str]:
    """Map each user id to a display name, asking the API for the ids not in `known`.

    An id the API does not return (an anonymised titular, a user without read access)
    maps to the id itself.
    """
    names = {str(person["id"]): _display_name(person) for person in known}
    for user_id in {str(value) for value in user_ids if value}:
        if user_id in names:
            continue
        try:
            names[user_id] = _display_name(await api.get(f"/v1/users/{uuid.UUID(user_id)}"))
        except (ApiProblem, ValueError):
            names[user_id] = user_id
    return names


def cursor_of(next_link: str | None) -> str | None:
    """Return the cursor of the API's `next` link, which the page passes back to the API."""
    if not next_link:
        return None
    values = parse_qs(urlsplit(next_link).query).get("cursor")
    return values[0] if values else None


def _display_name(person: dict[str, Any]) -> str:
    return str(person.get("name") or person.get("email") or person.get("phone") or person["id"])
