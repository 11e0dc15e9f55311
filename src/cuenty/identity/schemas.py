"""Request and response bodies of the identity API (camelCase on the wire)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, Field, field_validator
from pydantic_core import PydanticCustomError

from cuenty.identity.access import Scope
from cuenty.kit.api import ApiModel, RequestModel
from cuenty.mexico.phones import InvalidPhoneNumber, normalize_phone

Channel = Literal["whatsapp", "sms", "email"]


def _phone(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return normalize_phone(value)
    except InvalidPhoneNumber as error:
        raise PydanticCustomError("phone_invalid", "invalid phone number") from error


def _email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise PydanticCustomError("email_invalid", "invalid email address") from error


# An email address, checked with email-validator and lower-cased; errors get a translated
# message instead of the library's English text.
Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]


class RegisterRequest(RequestModel):
    name: str = Field(min_length=2, max_length=120)
    email: Email | None = None
    password: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=32)
    code: str | None = Field(default=None, pattern=r"^\d{6}$")
    postal_code: str | None = Field(default=None, pattern=r"^\d{5}$")

    _normalize_phone = field_validator("phone")(_phone)


class LoginRequest(RequestModel):
    email: Email | None = None
    phone: str | None = Field(default=None, max_length=32)
    password: str = Field(min_length=1, max_length=200)

    _normalize_phone = field_validator("phone")(_phone)


class OtpSendRequest(RequestModel):
    phone: str = Field(max_length=32)
    channel: Literal["whatsapp", "sms"] = "whatsapp"
    purpose: Literal["login", "register"] = "login"

    _normalize_phone = field_validator("phone")(_phone)


class OtpVerifyRequest(RequestModel):
    phone: str = Field(max_length=32)
    code: str = Field(pattern=r"^\d{6}$")

    _normalize_phone = field_validator("phone")(_phone)


class CodeSent(ApiModel):
    sent: bool = True
    expires_in: int = Field(description="Segundos de validez del código")
    resend_after: int = Field(description="Segundos antes de poder pedir otro código")


class TwoFactorSendRequest(RequestModel):
    challenge_id: uuid.UUID | None = None


class TwoFactorVerifyRequest(RequestModel):
    challenge_id: uuid.UUID | None = None
    code: str = Field(min_length=6, max_length=12)


class TotpSetup(ApiModel):
    secret: str
    otpauth_uri: str
    qr_png: str = Field(description="Imagen PNG del código QR como data URI")


class TotpConfirmRequest(RequestModel):
    code: str = Field(pattern=r"^\d{6}$")


class BackupCodes(ApiModel):
    backup_codes: list[str]


class StepUp(ApiModel):
    verified_until: datetime


class RefreshRequest(RequestModel):
    refresh_token: str = Field(min_length=10, max_length=200)


class Tokens(ApiModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int


class LoginResult(ApiModel):
    access_token: str | None = None
    refresh_token: str | None = None
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int | None = None
    two_factor_required: bool = False
    challenge_id: uuid.UUID | None = None


class UserOut(ApiModel):
    id: uuid.UUID
    name: str
    email: str | None
    phone: str | None
    role: str
    postal_code: str | None
    delivery_channel: str
    locale: str
    email_verified: bool
    phone_verified: bool
    two_factor_enabled: bool
    pending_email: str | None
    pending_phone: str | None
    is_active: bool
    created_at: datetime


class RegisterResult(ApiModel):
    user: UserOut
    tokens: Tokens


class UpdateMeRequest(RequestModel):
    name: str | None = Field(default=None, min_length=2, max_length=120)
    email: Email | None = None
    phone: str | None = Field(default=None, max_length=32)
    delivery_channel: Channel | None = None
    locale: Literal["es-MX", "en"] | None = None
    postal_code: str | None = Field(default=None, pattern=r"^\d{5}$")

    _normalize_phone = field_validator("phone")(_phone)


class ResendContactRequest(RequestModel):
    channel: Literal["email", "phone"]


class VerifyContactRequest(RequestModel):
    channel: Literal["email", "phone"]
    code: str = Field(pattern=r"^\d{6}$")


class SessionOut(ApiModel):
    id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    user_agent: str | None
    ip_address: str | None
    current: bool


class ApiKeyCreate(RequestModel):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[Scope] = Field(min_length=1, max_length=20)
    expires_at: datetime | None = None

    @field_validator("expires_at")
    @classmethod
    def _future(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise PydanticCustomError("timezone_aware", "must include a time zone")
        if value is not None and value <= datetime.now(UTC):
            raise PydanticCustomError("datetime_future", "must be a future date and time")
        return value


class ApiKeyOut(ApiModel):
    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="La llave completa; se muestra solo esta vez")


class RoleChange(RequestModel):
    role: Literal["customer", "support", "operations", "compliance_officer", "admin"]
