"""Signing secrets: generation, encryption at rest, and Standard Webhooks signatures with the
current secret and, for 24 hours after a rotation, the previous one.
"""

from __future__ import annotations

import base64
import secrets as random_source
from datetime import datetime, timedelta

from standardwebhooks.webhooks import Webhook

from cuenty.kit import crypto
from cuenty.webhooks.models import WebhookEndpoint

PREFIX = "whsec_"
SECRET_BYTES = 32
ROTATION_OVERLAP = timedelta(hours=24)
ENCRYPTION_PURPOSE = "webhook-signing-secret"


def generate_secret() -> str:
    """Return `whsec_` and the base64 of 32 random bytes, the format Standard Webhooks uses."""
    return PREFIX + base64.b64encode(random_source.token_bytes(SECRET_BYTES)).decode()


def seal(master_key: str, secret: str) -> bytes:
    return crypto.encrypt(master_key, ENCRYPTION_PURPOSE, secret.encode())


def unseal(master_key: str, ciphertext: bytes) -> str:
    return crypto.decrypt(master_key, ENCRYPTION_PURPOSE, ciphertext).decode()


def signing_secrets(master_key: str, endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """Return the secrets that sign now: the current one, then the previous one until its
    24 hours are over.
    """
    found = [unseal(master_key, endpoint.secret_ciphertext)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_ciphertext is not None and expires is not None and expires > now:
        found.append(unseal(master_key, endpoint.previous_secret_ciphertext))
    return found


def signature_header(secrets: list[str], message_id: str, timestamp: datetime, body: bytes) -> str:
    """Return the `webhook-signature` value: one `v1,<base64>` per secret, space-separated."""
    return " ".join(Webhook(secret).sign(message_id, timestamp, body) for secret in secrets)
