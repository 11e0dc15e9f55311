"""Masking of secrets and personal data before anything reaches a log line.

Values under sensitive keys are replaced whole; free text is scanned for emails, phone
numbers, CLABEs, card numbers, RFCs, CURPs, JWTs, bearer tokens, API keys and URL passwords.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

REDACTED = "[REDACTED]"
MAX_DEPTH = 6

# Keys compared after lower-casing and dropping "-" and "_", so "api_key", "X-Api-Key" and
# "apiKey" all match.
SECRET_KEYS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "newpassword",
        "currentpassword",
        "passwordhash",
        "secret",
        "secretkey",
        "clientsecret",
        "webhooksecret",
        "signingsecret",
        "token",
        "accesstoken",
        "refreshtoken",
        "idtoken",
        "authorization",
        "proxyauthorization",
        "cookie",
        "setcookie",
        "apikey",
        "xapikey",
        "privatekey",
        "encryptionkey",
        "otp",
        "code2fa",
        "totp",
        "totpsecret",
        "backupcodes",
        "pin",
        "cvv",
        "cvc",
        "credentials",
        "firma",
        "signature",
    }
)

_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@/\s]+(?P<tail>@)", re.I)
_QUERY_SECRET = re.compile(
    r"(?P<head>\b(?:(?:[a-z0-9]+_)*(?:password|passwd|pwd|secret|token|api_key|apikey|otp)"
    r"|code)=)[^&\s\"']+",
    re.I,
)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"(?P<head>\b(?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]{8,}", re.I)
_PREFIXED_KEY = re.compile(r"\b(?P<prefix>(?:cty|whsec|sk|pk|rk)_(?:[a-z]+_)?)[A-Za-z0-9]{12,}\b")
_EMAIL = re.compile(
    r"\b(?P<first>[A-Za-z0-9])[A-Za-z0-9._%+-]*@(?P<domain>[A-Za-z0-9.-]+\.[A-Za-z]{2,})\b"
)
# Mexican tax id (RFC: 3 letters for a company or 4 for a person, a yymmdd date and a 3-character
# homoclave) and population id (CURP: 4 letters, the date, sex, state and consonants, 2 more).
_RFC_CURP = re.compile(
    r"\b[A-ZÑ&]{3,4}\d{6}(?:[A-Z0-9]{3}|[HMX][A-Z]{5}[A-Z0-9]\d)\b", re.IGNORECASE
)
_CLABE = re.compile(r"(?<![\d])\d{14}(?P<last>\d{4})(?![\d])")
_CARD = re.compile(r"(?<![\d])(?:\d[ -]?){12,18}\d(?![\d])")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(?\d{2,3}\)?[\s.-]?)\d{3,4}[\s.-]?(?P<last>\d{4})(?![\d])"
)


def redact_event(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: mask every secret and personal datum in the event."""
    return {key: _redact_value(key, value, 0) for key, value in event_dict.items()}


def redact_text(text: str) -> str:
    """Mask secrets and personal data found anywhere in a piece of free text."""
    text = _URL_PASSWORD.sub(r"\g<head>***\g<tail>", text)
    text = _QUERY_SECRET.sub(r"\g<head>***", text)
    text = _JWT.sub("[JWT]", text)
    text = _BEARER.sub(r"\g<head>***", text)
    text = _PREFIXED_KEY.sub(r"\g<prefix>***", text)
    text = _EMAIL.sub(r"\g<first>***@\g<domain>", text)
    text = _RFC_CURP.sub("[RFC/CURP]", text)
    text = _CLABE.sub(r"**************\g<last>", text)
    text = _CARD.sub(_mask_card, text)
    return _PHONE.sub(_mask_phone, text)


def is_secret_key(key: str) -> bool:
    return key.lower().replace("_", "").replace("-", "") in SECRET_KEYS


def _redact_value(key: Any, value: Any, depth: int) -> Any:
    if isinstance(key, str) and is_secret_key(key) and value not in (None, ""):
        return REDACTED
    if depth >= MAX_DEPTH:
        return value
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {k: _redact_value(k, v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact_value(None, item, depth + 1) for item in value]
    if isinstance(value, BaseException):
        return redact_text(f"{type(value).__name__}: {value}")
    return value


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if len(digits) < 13 or not _passes_luhn(digits):
        return match.group(0)
    return "**** **** **** " + digits[-4:]


def _mask_phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    # Ten digits is a Mexican national number; shorter runs are ids, amounts or dates.
    if len(digits) < 10:
        return match.group(0)
    return "***" + match.group("last")


def _passes_luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0
