"""Checks of an event's `properties`: size, shape, and no personal data.

Analytics stores what people do, not who they are, so a property whose name or value looks
like an email, a phone number, a CURP, an RFC, a password, a card number or a CLABE is
rejected, unless the event type is listed in CUENTY_ANALYTICS_PERSONAL_DATA_EVENT_TYPES.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from cuenty.analytics.contact_patterns import personal_data_in_text
from cuenty.analytics.errors import rule_error
from cuenty.kit.validation import FieldError, json_pointer

MAX_SERIALIZED_BYTES = 8 * 1024
MAX_KEYS = 50
MAX_KEY_LENGTH = 64
MAX_STRING_LENGTH = 1024
MAX_LIST_ITEMS = 100
# The properties object itself is level 1, so an object inside an object inside it is level 3.
MAX_DEPTH = 3

# Words of a property name, after splitting on punctuation and camelCase, that name personal
# data; the value is the kind reported in the error.
PERSONAL_KEY_WORDS = {
    "email": "email",
    "mail": "email",
    "correo": "email",
    "phone": "phone",
    "telefono": "phone",
    "celular": "phone",
    "whatsapp": "phone",
    "curp": "CURP",
    "rfc": "RFC",
    "password": "password",
    "passwd": "password",
    "pwd": "password",
    "contrasena": "password",
    "card": "card",
    "tarjeta": "card",
    "cvv": "card",
    "cvc": "card",
    "clabe": "CLABE",
}
CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
NON_ALNUM = re.compile(r"[^a-z0-9]+")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_properties(
    properties: dict[str, Any], pointer: str, event_type: str, *, personal_data_allowed: bool
) -> list[FieldError]:
    """Return every rule the properties break; `pointer` is where they sit in the body."""
    errors = list(_check_value(properties, [], 1))
    if not errors:
        size = len(json.dumps(properties, ensure_ascii=False, separators=(",", ":")).encode())
        if size > MAX_SERIALIZED_BYTES:
            errors.append(rule_error("properties_too_large", "", limit=MAX_SERIALIZED_BYTES))
    if not personal_data_allowed:
        errors.extend(_personal_data(properties, [], event_type))
    return [_under(error, pointer) for error in errors]


def personal_data_kind_of_key(key: str) -> str | None:
    """Return the kind of personal data a property name suggests, or None."""
    spaced = CAMEL_BOUNDARY.sub(" ", key)
    plain = _ascii(spaced).lower()
    words = [word for word in NON_ALNUM.split(plain) if word]
    for word in [*words, "".join(words)]:
        if word in PERSONAL_KEY_WORDS:
            return PERSONAL_KEY_WORDS[word]
    return None


def personal_data_kind_of_value(value: str) -> str | None:
    """Return the kind of personal data a string value is or contains, or None.

    Card numbers and CLABEs count only as the whole value. Emails, phones, CURPs and RFCs are
    found anywhere, such as inside a free-text note.
    """
    compact = re.sub(r"[\s\-]", "", value.strip())
    if compact.isdigit() and 13 <= len(compact) <= 19 and _passes_luhn(compact):
        return "card"
    if compact.isdigit() and len(compact) == 18:
        return "CLABE"
    return personal_data_in_text(value)


def check_url_query(
    url: str | None, pointer: str, event_type: str, *, personal_data_allowed: bool
) -> list[FieldError]:
    """Return an error when a value in the URL's query string looks like personal data."""
    if url is None or personal_data_allowed:
        return []
    for _name, value in parse_qsl(urlsplit(url).query, keep_blank_values=False):
        kind = personal_data_kind_of_value(value)
        if kind is not None:
            return [rule_error("personal_data_url", pointer, kind=kind, event_type=event_type)]
    return []


def _check_value(value: Any, path: list[str | int], depth: int) -> Iterator[FieldError]:
    if isinstance(value, dict):
        yield from _check_object(value, path, depth)
    elif isinstance(value, list):
        if depth > MAX_DEPTH:
            yield rule_error("too_deep", json_pointer(path), limit=MAX_DEPTH)
            return
        if len(value) > MAX_LIST_ITEMS:
            yield rule_error("list_too_long", json_pointer(path), limit=MAX_LIST_ITEMS)
        for index, item in enumerate(value[:MAX_LIST_ITEMS]):
            yield from _check_value(item, [*path, index], depth + 1)
    elif isinstance(value, str):
        if len(value) > MAX_STRING_LENGTH:
            yield rule_error("string_too_long", json_pointer(path), limit=MAX_STRING_LENGTH)
    elif value is not None and not isinstance(value, bool | int | float):
        yield rule_error("value_type", json_pointer(path))


def _check_object(value: dict[Any, Any], path: list[str | int], depth: int) -> Iterator[FieldError]:
    if depth > MAX_DEPTH:
        yield rule_error("too_deep", json_pointer(path), limit=MAX_DEPTH)
        return
    if len(value) > MAX_KEYS:
        yield rule_error("too_many_keys", json_pointer(path), limit=MAX_KEYS)
        return
    for key, item in value.items():
        where = [*path, key]
        if not key or CONTROL.search(key):
            yield rule_error("key_invalid", json_pointer(where))
        elif len(key) > MAX_KEY_LENGTH:
            yield rule_error("key_too_long", json_pointer(where), limit=MAX_KEY_LENGTH)
        yield from _check_value(item, where, depth + 1)


def _personal_data(value: Any, path: list[str | int], event_type: str) -> Iterator[FieldError]:
    if isinstance(value, dict):
        for key, item in value.items():
            where = [*path, key]
            kind = personal_data_kind_of_key(str(key))
            if kind is not None:
                yield rule_error(
                    "personal_data_key", json_pointer(where), kind=kind, event_type=event_type
                )
                continue
            yield from _personal_data(item, where, event_type)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _personal_data(item, [*path, index], event_type)
    elif isinstance(value, str):
        kind = personal_data_kind_of_value(value)
        if kind is not None:
            yield rule_error(
                "personal_data_value", json_pointer(path), kind=kind, event_type=event_type
            )


def _under(error: FieldError, pointer: str) -> FieldError:
    """Move an error found inside the properties under their place in the request body."""
    inner = (error.pointer or "#").removeprefix("#")
    return FieldError(
        code=error.code,
        message=error.message,
        pointer=f"#{pointer}{inner}",
        params=error.params,
    )


def _passes_luhn(digits: Sequence[str]) -> bool:
    total = 0
    for position, character in enumerate(reversed(digits)):
        digit = int(character)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(character for character in decomposed if not unicodedata.combining(character))
