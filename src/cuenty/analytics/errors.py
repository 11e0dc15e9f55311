"""Errors of analytics ingestion; titles, details and rule messages are message ids
translated per request."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cuenty.kit.errors import ForbiddenError, NotAuthenticatedError, ValidationFailedError
from cuenty.kit.i18n import N_
from cuenty.kit.validation import FieldError

# Rules of an event that the schema cannot check alone, by the `code` a 422 reports.
RULES = {
    "timestamp_too_old": N_("Must be at most {hours} hours before the time it is received."),
    "timestamp_in_future": N_("Must not be more than {seconds} seconds ahead of the server clock."),
    "identity_missing": N_("Give userId or anonymousId, so the event belongs to someone."),
    "anonymous_id_required": N_("Events sent with a publishable key need an anonymousId."),
    "user_not_found": N_("No user with this id exists."),
    "properties_too_large": N_("The properties must serialize to at most {limit} bytes of JSON."),
    "too_many_keys": N_("Must have at most {limit} keys."),
    "key_too_long": N_("Property names must have at most {limit} characters."),
    "key_invalid": N_("Property names must not be empty or contain control characters."),
    "string_too_long": N_("Must have at most {limit} characters."),
    "list_too_long": N_("Must have at most {limit} items."),
    "too_deep": N_("Objects and lists may nest at most {limit} levels deep."),
    "value_type": N_("Must be a string, number, true, false, null, an object or a list."),
    "personal_data_key": N_(
        "The name looks like personal data ({kind}); events of type {event_type} may not carry it."
    ),
    "personal_data_value": N_(
        "The value looks like personal data ({kind}); events of type {event_type} may not carry it."
    ),
    "personal_data_url": N_(
        "The query string carries what looks like personal data ({kind}); events of type "
        "{event_type} may not carry it."
    ),
}


def rule_error(rule: str, pointer: str, **params: Any) -> FieldError:
    """Build the field error of one broken rule at a JSON pointer such as `/events/3/userId`."""
    return FieldError(
        code=rule,
        message=RULES[rule],
        pointer=f"#{pointer}",
        params={name: str(value) for name, value in params.items()},
    )


def invalid_events(errors: Sequence[FieldError]) -> ValidationFailedError:
    return ValidationFailedError(params={"count": len(errors)}, errors=list(errors))


class IngestKeyInvalidError(NotAuthenticatedError):
    code = "ingest_key_invalid"
    title = N_("Ingest key not valid")
    detail = N_("The publishable ingest key in X-Ingest-Key is not configured on this server.")


class OriginNotAllowedError(ForbiddenError):
    code = "origin_not_allowed"
    title = N_("Origin not allowed")
    detail = N_(
        "This ingest key accepts events only from its configured origins; the request came "
        "from {origin}."
    )


class OriginMissingError(ForbiddenError):
    code = "origin_missing"
    title = N_("Origin header missing")
    detail = N_(
        "A publishable ingest key is accepted only from a browser page: the request needs the "
        "Origin header of one of the key's configured origins."
    )


class IngestKeyUserError(ForbiddenError):
    code = "ingest_key_anonymous_only"
    title = N_("Anonymous events only")
    detail = N_(
        "A publishable ingest key records anonymous events only; remove userId, or send the "
        "event with the user's access token."
    )


class OtherUserEventsError(ForbiddenError):
    code = "events_for_other_user"
    title = N_("Events for another user")
    detail = N_("You may send events only for your own user; userId names someone else.")
