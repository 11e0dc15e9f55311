"""Detection of emails and phone numbers in event parameters, which are never sent to GA4.

A parameter is dropped when its key names an email or phone field, or when its key or value
looks like an email or a phone number.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

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

EMAIL = re.compile(r"[^\s@/?&=]+@[^\s@/?&=]+\.[A-Za-z]{2,}")
# A run of digits with the separators people type counts as a phone at 10-15 digits, because a
# Mexican national number has 10. Runs glued to letters or dashes (UUIDs) are left alone.
PHONE_CANDIDATE = re.compile(r"(?<![\w-])\+?\d[\d\s().-]{6,}\d(?![\w-])")
MIN_PHONE_DIGITS = 10
MAX_PHONE_DIGITS = 15


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
    if EMAIL.search(text):
        return True
    for match in PHONE_CANDIDATE.finditer(text):
        digits = sum(char.isdigit() for char in match.group(0))
        if MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS:
            return True
    return False


def _normalize_key(key: str) -> str:
    decomposed = unicodedata.normalize("NFKD", key.lower())
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[\s_.-]", "", letters)
