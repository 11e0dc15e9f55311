"""Checks of inbound Chatwoot webhooks, as configured by `CUENTY_CHATWOOT_WEBHOOK_MODE`.

"signature": `X-Chatwoot-Signature` is `sha256=` + hex HMAC-SHA256 of
`{X-Chatwoot-Timestamp}.{raw body}` with the webhook secret, and the timestamp (Unix seconds)
must be within five minutes of now. "token": the secret is sent as the `token` query
parameter of the webhook URL configured in Chatwoot (older Chatwoot versions sign nothing).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime

TIMESTAMP_TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: str, body: bytes) -> str:
    message = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_valid(secret: str, headers: Mapping[str, str], body: bytes, now: datetime) -> bool:
    timestamp = headers.get("x-chatwoot-timestamp", "")
    provided = headers.get("x-chatwoot-signature", "")
    if not timestamp.isdigit() or not provided:
        return False
    if abs(now.timestamp() - int(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), provided)


def token_valid(secret: str, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(secret.encode(), (token or "").encode())
