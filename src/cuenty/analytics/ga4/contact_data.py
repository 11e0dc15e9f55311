"""Detection of emails and phone numbers in event parameters, which are never sent to GA4.

A parameter is dropped when its key names an email or phone field, or when its key or value
looks like an email or a phone number.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from cuenty.analytics.contact_patterns import (
    MAX_PHONE_DIGITS,
    MIN_PHONE_DIGITS,
    has_email,
    has_phone,
)

# Keys compared after lower-casing and dropping accents, "_", "-", "." and spaces.
PERSONAL_KEYS = frozenset(
    {
        "email",
        "mail",
        "correo",
        "correoelectronico",
        "phone",
        "phonenumber",
        "telephone",
        "telefono",
        "tel",
        "celular",
        "cel",
        "mobile",
        "movil",
        "whatsapp",
        "msisdn",
    }
)
PERSONAL_KEY_PARTS = ("email", "phone", "telefono", "celular", "whatsapp")


def is_personal(key: str, value: Any) -> bool:
    """Return whether a parameter names or carries an email or a phone number."""
    normalized = _normalize_key(key)
    if normalized in PERSONAL_KEYS or any(part in normalized for part in PERSONAL_KEY_PARTS):
        return True
    if looks_like_email_or_phone(key):
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return MIN_PHONE_DIGITS <= len(str(abs(value))) <= MAX_PHONE_DIGITS
    return isinstance(value, str) and looks_like_email_or_phone(value)


def looks_like_email_or_phone(text: str) -> bool:
    return has_email(text) or has_phone(text)


def _normalize_key(key: str) -> str:
    decomposed = unicodedata.normalize("NFKD", key.lower())
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[\s_.-]", "", letters)
