"""Field errors of a 422 response: where the bad value is, which rule it broke, in words.

Pydantic's error types map to translated messages; an unknown type keeps Pydantic's text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cuenty.kit.i18n import N_, translate

# Messages for the Pydantic error types a client meets most; `{name}` placeholders come from
# the error's `ctx`.
_MESSAGES: dict[str, str] = {
    "missing": N_("This field is required."),
    "extra_forbidden": N_("This field is not allowed."),
    "string_type": N_("Must be a string."),
    "string_too_short": N_("Must have at least {min_length} character(s)."),
    "string_too_long": N_("Must have at most {max_length} character(s)."),
    "string_pattern_mismatch": N_("Does not match the expected format."),
    "int_type": N_("Must be an integer."),
    "int_parsing": N_("Must be an integer."),
    "float_type": N_("Must be a number."),
    "float_parsing": N_("Must be a number."),
    "decimal_type": N_("Must be a decimal number."),
    "decimal_parsing": N_("Must be a decimal number."),
    "decimal_max_places": N_("Must have at most {decimal_places} decimal place(s)."),
    "decimal_max_digits": N_("Must have at most {max_digits} digit(s)."),
    "bool_type": N_("Must be true or false."),
    "bool_parsing": N_("Must be true or false."),
    "greater_than": N_("Must be greater than {gt}."),
    "greater_than_equal": N_("Must be greater than or equal to {ge}."),
    "less_than": N_("Must be less than {lt}."),
    "less_than_equal": N_("Must be less than or equal to {le}."),
    "too_short": N_("Must have at least {min_length} item(s)."),
    "too_long": N_("Must have at most {max_length} item(s)."),
    "list_type": N_("Must be a list."),
    "dict_type": N_("Must be an object."),
    "model_type": N_("Must be an object."),
    "model_attributes_type": N_("Must be an object."),
    "enum": N_("Must be one of: {expected}."),
    "literal_error": N_("Must be one of: {expected}."),
    "uuid_type": N_("Must be a UUID."),
    "uuid_parsing": N_("Must be a UUID."),
    "date_type": N_("Must be a date (YYYY-MM-DD)."),
    "date_parsing": N_("Must be a date (YYYY-MM-DD)."),
    "date_from_datetime_parsing": N_("Must be a date (YYYY-MM-DD)."),
    "datetime_type": N_("Must be a date and time in ISO 8601 format."),
    "datetime_parsing": N_("Must be a date and time in ISO 8601 format."),
    "datetime_from_date_parsing": N_("Must be a date and time in ISO 8601 format."),
    "url_parsing": N_("Must be a valid URL."),
    "url_scheme": N_("The URL scheme must be {expected_schemes}."),
    "value_error": N_("Invalid value: {error}"),
    "phone_invalid": N_("Not a valid phone number: use 10 digits, or + and the country code."),
    "email_invalid": N_("Not a valid email address."),
    "datetime_future": N_("Must be a future date and time."),
    "timezone_aware": N_("Must include a time zone, for example Z or -06:00."),
    "amount_too_large": N_("Must be at most {maximum}."),
    "ends_before_start": N_("Must be later than {other}."),
    "plan_or_bundle": N_("Give either planId or bundleId, not both."),
}


@dataclass(frozen=True)
class FieldError:
    """One invalid value: a JSON pointer into the body, or the name of a query/path/header
    parameter, the rule it broke, and a message id with its parameters."""

    code: str
    message: str
    location: str = "body"
    pointer: str | None = None
    parameter: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    fallback: str | None = None

    def render(self, locale: str) -> dict[str, Any]:
        rendered: dict[str, Any] = {"location": self.location}
        if self.pointer is not None:
            rendered["pointer"] = self.pointer
        if self.parameter is not None:
            rendered["parameter"] = self.parameter
        rendered["code"] = self.code
        rendered["message"] = self._message(locale)
        return rendered

    def _message(self, locale: str) -> str:
        if self.fallback is not None:
            return self.fallback
        try:
            return translate(locale, self.message, **self.params)
        except (KeyError, IndexError):
            return translate(locale, self.message)


def field_errors_from_validation(errors: Iterable[Mapping[str, Any]]) -> list[FieldError]:
    """Convert FastAPI's RequestValidationError entries into field errors."""
    return [_field_error(error) for error in errors]


def json_pointer(path: Sequence[str | int]) -> str:
    """Build an RFC 6901 JSON pointer from a path of keys and indexes."""
    escaped = (str(part).replace("~", "~0").replace("/", "~1") for part in path)
    return "/" + "/".join(escaped) if path else ""


def _field_error(error: Mapping[str, Any]) -> FieldError:
    location_path = tuple(error.get("loc", ()))
    location = str(location_path[0]) if location_path else "body"
    path = location_path[1:]
    error_type = str(error.get("type", "value_error"))
    params = _stringify_context(error.get("ctx") or {})
    message = _MESSAGES.get(error_type)

    common: dict[str, Any] = {
        "code": error_type,
        "message": message or "",
        "location": location,
        "params": params,
        "fallback": None if message else str(error.get("msg", "")),
    }
    if location == "body":
        return FieldError(pointer="#" + json_pointer(path), **common)
    return FieldError(parameter=".".join(str(part) for part in path), **common)


def _stringify_context(context: Mapping[str, Any]) -> dict[str, str]:
    params = {key: str(value) for key, value in context.items()}
    if "expected" in params:
        # Pydantic joins the last choice with an English "or"; a plain list reads in any
        # language.
        params["expected"] = params["expected"].replace(" or ", ", ")
    if "error" not in params and "reason" in params:
        params["error"] = params["reason"]
    return params
