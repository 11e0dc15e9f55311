"""Tables of the account inventory: service accounts, their profiles, and the data keys that
encrypt their credentials.

Credentials (login, password, PIN) are stored only as AES-256-GCM ciphertexts, each with the
id of the data key that sealed it, so keys can rotate (`cuenty keys rotate-credentials`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from cuenty.kit.db import Base, UTCDateTime, created_at_column, updated_at_column


class AccountState(StrEnum):
    AVAILABLE = "available"
    ASSIGNED = "assigned"
    MAINTENANCE = "maintenance"
    BLOCKED = "blocked"
    RETIRED = "retired"


class ProfileState(StrEnum):
    AVAILABLE = "available"
    ASSIGNED = "assigned"
    # Released by an expired subscription; free again once staff change its PIN.
    MAINTENANCE = "maintenance"


class DataKey(Base):
    """A data-encryption key, itself encrypted with CUENTY_ENCRYPTION_KEY."""

    __tablename__ = "inventory_data_keys"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    key_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = created_at_column()
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ServiceAccount(Base):
    """An account of a digital service that CUENTY owns and assigns to customers."""

    __tablename__ = "inventory_accounts"
    __table_args__ = (
        UniqueConstraint("service_id", "login_digest"),
        CheckConstraint("free_profiles >= 0", name="free_profiles_not_negative"),
        CheckConstraint("free_profiles <= profile_count", name="free_profiles_within_count"),
        Index("ix_inventory_accounts_allocation", "service_id", "state", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    service_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("catalog_services.id", ondelete="RESTRICT")
    )
    # HMAC of the normalised login, to refuse the same account twice without decrypting.
    login_digest: Mapped[str] = mapped_column(String(64))
    login_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    password_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[str] = mapped_column(ForeignKey("inventory_data_keys.id"))
    # A masked hint such as "ne•••@gmail.com" for listings; never the login itself.
    login_hint: Mapped[str] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(16), default=AccountState.AVAILABLE.value)
    profile_count: Mapped[int] = mapped_column(Integer, default=1)
    free_profiles: Mapped[int] = mapped_column(Integer, default=1)
    notes: Mapped[str] = mapped_column(String(500), default="")
    # The date the provider's own billing of this account runs to, when known.
    paid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state_changed_at: Mapped[datetime] = created_at_column()
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class AccountProfile(Base):
    """One profile (or seat) of an account; INDIVIDUAL plans sell one profile each."""

    __tablename__ = "inventory_profiles"
    __table_args__ = (UniqueConstraint("account_id", "position"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inventory_accounts.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(40))
    pin_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_id: Mapped[str | None] = mapped_column(ForeignKey("inventory_data_keys.id"))
    state: Mapped[str] = mapped_column(String(16), default=ProfileState.AVAILABLE.value)
    subscription_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    updated_at: Mapped[datetime] = updated_at_column()
