"""Encryption of account credentials (login, password, PIN) with rotating data keys.

Each data key is 32 random bytes stored encrypted with CUENTY_ENCRYPTION_KEY. A credential is
AES-256-GCM under one data key, with associated data naming its table, row, field and key id,
so a ciphertext copied to another row or column fails authentication instead of decrypting.
"""

from __future__ import annotations

import os
import secrets
import uuid
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.inventory.errors import AccountNotFoundError, ProfileNotFoundError
from cuenty.inventory.models import AccountProfile, DataKey, ServiceAccount
from cuenty.kit import crypto

CIPHERTEXT_VERSION = b"\x02"
DATA_KEY_BYTES = 32
NONCE_BYTES = 12
KEY_ID_BYTES = 16
ACCOUNTS_TABLE = "inventory_accounts"
PROFILES_TABLE = "inventory_profiles"


class CredentialDecryptionError(ValueError):
    """Raised when a credential ciphertext was altered, moved to another row or field, or
    sealed with a key that no longer exists. The message never contains the value."""


@dataclass(frozen=True)
class Credentials:
    """Decrypted credentials of an account, and of one of its profiles when asked for."""

    login: str = field(repr=False)
    password: str = field(repr=False)
    profile_name: str | None = None
    pin: str | None = field(default=None, repr=False)


class Vault:
    """Seals and opens credentials within one session; caches the unwrapped data keys."""

    def __init__(self, session: AsyncSession, master_key: str) -> None:
        self.session = session
        self.master_key = master_key
        self._keys: dict[str, AESGCM] = {}
        self._active_key_id: str | None = None

    async def active_key_id(self) -> str:
        """Return the id of the newest active data key, creating the first one if none exists."""
        if self._active_key_id is None:
            key_id = await self.session.scalar(
                select(DataKey.id)
                .where(DataKey.active.is_(True))
                .order_by(DataKey.created_at.desc(), DataKey.id)
                .limit(1)
            )
            self._active_key_id = key_id or await create_data_key(self.session, self.master_key)
        return self._active_key_id

    async def seal(self, table: str, row_id: uuid.UUID, column: str, plaintext: str) -> bytes:
        """Encrypt one credential for `table.column` of the row `row_id` with the active key."""
        key_id = await self.active_key_id()
        return await self.seal_with(key_id, table, row_id, column, plaintext)

    async def seal_with(
        self, key_id: str, table: str, row_id: uuid.UUID, column: str, plaintext: str
    ) -> bytes:
        aead = await self._aead(key_id)
        nonce = os.urandom(NONCE_BYTES)
        sealed = aead.encrypt(
            nonce, plaintext.encode(), _associated_data(table, row_id, column, key_id)
        )
        return CIPHERTEXT_VERSION + key_id.encode().ljust(KEY_ID_BYTES, b"\0") + nonce + sealed

    async def open(self, table: str, row_id: uuid.UUID, column: str, ciphertext: bytes) -> str:
        """Decrypt one credential, or raise CredentialDecryptionError."""
        key_id, nonce, sealed = _split(ciphertext)
        aead = await self._aead(key_id)
        try:
            plaintext = aead.decrypt(nonce, sealed, _associated_data(table, row_id, column, key_id))
        except InvalidTag as error:
            raise CredentialDecryptionError(
                f"the {column} ciphertext of {table} row {row_id} failed authentication"
            ) from error
        return plaintext.decode()

    async def _aead(self, key_id: str) -> AESGCM:
        if key_id not in self._keys:
            data_key = await self.session.get(DataKey, key_id)
            if data_key is None:
                raise CredentialDecryptionError(f"data key {key_id} does not exist")
            raw = crypto.decrypt(self.master_key, _wrap_purpose(key_id), data_key.key_ciphertext)
            self._keys[key_id] = AESGCM(raw)
        return self._keys[key_id]


def key_id_of(ciphertext: bytes) -> str:
    """Return the id of the data key that sealed a ciphertext."""
    return _split(ciphertext)[0]


async def create_data_key(session: AsyncSession, master_key: str) -> str:
    """Add a new active data key (random, wrapped with the master key); return its id."""
    key_id = secrets.token_hex(KEY_ID_BYTES // 2)
    raw = AESGCM.generate_key(bit_length=DATA_KEY_BYTES * 8)
    session.add(
        DataKey(
            id=key_id,
            key_ciphertext=crypto.encrypt(master_key, _wrap_purpose(key_id), raw),
            active=True,
        )
    )
    await session.flush()
    return key_id


async def read_credentials(
    session: AsyncSession,
    master_key: str,
    account_id: uuid.UUID,
    profile_id: uuid.UUID | None = None,
) -> Credentials:
    """Decrypt an account's login and password, and the name and PIN of one of its profiles.

    Raises AccountNotFoundError, or ProfileNotFoundError when the profile is not the account's.
    Callers decide who may see the result; this function checks no permission.
    """
    account = await session.get(ServiceAccount, account_id)
    if account is None:
        raise AccountNotFoundError(params={"id": account_id})
    vault = Vault(session, master_key)
    login = await vault.open(ACCOUNTS_TABLE, account.id, "login", account.login_ciphertext)
    password = await vault.open(ACCOUNTS_TABLE, account.id, "password", account.password_ciphertext)
    if profile_id is None:
        return Credentials(login=login, password=password)

    profile = await session.get(AccountProfile, profile_id)
    if profile is None or profile.account_id != account.id:
        raise ProfileNotFoundError(params={"id": profile_id})
    pin = await open_pin(vault, profile)
    return Credentials(login=login, password=password, profile_name=profile.name, pin=pin)


async def open_pin(vault: Vault, profile: AccountProfile) -> str | None:
    if profile.pin_ciphertext is None:
        return None
    return await vault.open(PROFILES_TABLE, profile.id, "pin", profile.pin_ciphertext)


def login_digest(master_key: str, login: str) -> str:
    """Keyed digest of a normalised login, so a duplicate is found without decrypting."""
    return crypto.keyed_digest(master_key, "inventory.login:" + normalize_login(login))


def normalize_login(login: str) -> str:
    return login.strip().casefold()


def mask_login(login: str) -> str:
    """Masked form for listings: "ne•••@gmail.com" for an email, "ab•••" for a user name."""
    value = login.strip()
    local, at, domain = value.partition("@")
    visible = 2 if len(local) > 4 else 1
    return f"{local[:visible]}•••{at}{domain}"[:80]


def _associated_data(table: str, row_id: uuid.UUID, column: str, key_id: str) -> bytes:
    return f"cuenty:{table}:{row_id}:{column}:{key_id}".encode()


def _wrap_purpose(key_id: str) -> str:
    return f"inventory-data-key:{key_id}"


def _split(ciphertext: bytes) -> tuple[str, bytes, bytes]:
    header = 1 + KEY_ID_BYTES + NONCE_BYTES
    if not ciphertext.startswith(CIPHERTEXT_VERSION) or len(ciphertext) <= header:
        raise CredentialDecryptionError("unknown credential ciphertext format")
    key_id = ciphertext[1 : 1 + KEY_ID_BYTES].rstrip(b"\0").decode("ascii", errors="replace")
    return key_id, ciphertext[1 + KEY_ID_BYTES : header], ciphertext[header:]
