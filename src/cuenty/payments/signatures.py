"""HMAC-SHA256 signatures of bank notifications.

The header form is `X-Cuenty-Signature: t=<unix seconds>,v1=<hex>` over `"{t}.{raw body}"`,
accepted within a tolerance of the receiver's clock. Several `v1` values may be sent while a
secret is rotated. The older form puts `signature` in the body, computed over the RFC 8785
canonical JSON of `payload`. It has no timestamp, so only the natural key of the transaction
protects it against replay.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

import rfc8785

HEADER = "X-Cuenty-Signature"
# Checked before any arithmetic or comparison: `str.isdigit` accepts non-ASCII digits,
# `int` of thousands of digits raises, and `hmac.compare_digest` raises on non-ASCII text.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")


class SignatureRejected(Exception):
    """Refusal of a signature; its reason is logged, never sent to the caller."""


def sign_header(secret: str, body: bytes, timestamp: int) -> str:
    """Compute the header value a sender sends (used by tests and by the docs' example)."""
    return f"t={timestamp},v1={_digest(secret, str(timestamp).encode() + b'.' + body)}"


def sign_payload(secret: str, payload: Any) -> str:
    return _digest(secret, rfc8785.dumps(payload))


def verify_header(
    secret: str, header: str, body: bytes, *, now: float, tolerance_seconds: int
) -> None:
    timestamp, candidates = _parse_header(header)
    if abs(now - timestamp) > tolerance_seconds:
        raise SignatureRejected("timestamp outside tolerance")
    expected = _digest(secret, str(timestamp).encode() + b"." + body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise SignatureRejected("signature mismatch")


def verify_payload(secret: str, payload: Any, signature: str) -> None:
    received = signature.strip().removeprefix("sha256=").lower()
    if not _HEX_DIGEST.fullmatch(received):
        raise SignatureRejected("malformed body signature")
    try:
        canonical = rfc8785.dumps(payload)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as error:
        raise SignatureRejected("payload cannot be canonicalized") from error
    if not hmac.compare_digest(_digest(secret, canonical), received):
        raise SignatureRejected("signature mismatch")


def _parse_header(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and _TIMESTAMP.fullmatch(value):
            timestamp = int(value)
        elif name == "v1" and _HEX_DIGEST.fullmatch(value.lower()):
            candidates.append(value.lower())
    if timestamp is None or not candidates:
        raise SignatureRejected("malformed signature header")
    return timestamp, candidates


def _digest(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
