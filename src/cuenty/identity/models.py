"""Tables owned by the identity package: user accounts and their roles."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, String, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from cuenty.kit.clock import utc_now
from cuenty.kit.db import Base, UTCDateTime


class Role(StrEnum):
    CUSTOMER = "customer"
    SUPPORT = "support"
    OPERATIONS = "operations"
    COMPLIANCE_OFFICER = "compliance_officer"
    ADMIN = "admin"


ROLE_VALUES = tuple(role.value for role in Role)


class User(Base):
    """A person with an account: a customer, or a member of staff with a staff role.

    A customer may sign up with a phone only, so `email` and `password_hash` are optional;
    at least one of email and phone is required.
    """

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="email_or_phone"),
        CheckConstraint(
            "role IN (" + ", ".join(f"'{value}'" for value in ROLE_VALUES) + ")", name="role"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32), default=Role.CUSTOMER.value)
    postal_code: Mapped[str | None] = mapped_column(String(5))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utc_now, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utc_now, onupdate=utc_now, server_default=func.now()
    )
