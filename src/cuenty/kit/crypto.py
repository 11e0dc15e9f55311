"""Encryption of secrets kept in the database (TOTP seeds, signing keys, delivered codes),
and keyed digests of tokens, codes and API keys.

AES-256-GCM with a key derived by HKDF-SHA256 from `CUENTY_ENCRYPTION_KEY` and a purpose
label, so a ciphertext made for one purpose cannot be decrypted as another.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12
VERSION = b"\x01"


class DecryptionError(ValueError):
    """Raised when a ciphertext was altered, or made with another key or purpose."""


def encrypt(master_key: str, purpose: str, plaintext: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_derive(master_key, purpose)).encrypt(nonce, plaintext, purpose.encode())
    return VERSION + nonce + sealed


def decrypt(master_key: str, purpose: str, ciphertext: bytes) -> bytes:
    if not ciphertext.startswith(VERSION):
        raise DecryptionError("unknown ciphertext version")
    nonce = ciphertext[1 : 1 + NONCE_BYTES]
    sealed = ciphertext[1 + NONCE_BYTES :]
    try:
        return AESGCM(_derive(master_key, purpose)).decrypt(nonce, sealed, purpose.encode())
    except InvalidTag as error:
        raise DecryptionError(f"ciphertext for {purpose} failed authentication") from error


def keyed_digest(secret: str, value: str) -> str:
    """HMAC-SHA256 hex digest: how API keys, codes and refresh tokens are stored."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def digests_match(left: str, right: str) -> bool:
    return hmac.compare_digest(left, right)


@lru_cache(maxsize=32)
def _derive(master_key: str, purpose: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"cuenty:" + purpose.encode()
    ).derive(master_key.encode())
