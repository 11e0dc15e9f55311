"""Request and response bodies of the inventory API (camelCase on the wire).

Responses never carry credentials, except the reveal response, which is audited.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field, StrictInt, field_validator
from pydantic_core import PydanticCustomError

from cuenty.kit.api import ApiModel, RequestModel

ManualState = Literal["available", "maintenance", "blocked", "retired"]
MAX_PROFILES = 20


class ProfileIn(RequestModel):
    name: str = Field(min_length=1, max_length=40, examples=["Perfil 1"])
    pin: str | None = Field(default=None, min_length=1, max_length=16, examples=["4821"])

    @field_validator("name")
    @classmethod
    def _strip_name(cls, value: str) -> str:
        stripped = value.strip()
        if not stripped:
            raise PydanticCustomError("missing", "the profile name is blank")
        return stripped


class AccountCreate(RequestModel):
    service_id: uuid.UUID
    login: str = Field(min_length=1, max_length=254, examples=["netflix.mx.07@cuenty.mx"])
    password: str = Field(min_length=1, max_length=256)
    profiles: list[ProfileIn] | None = Field(
        default=None,
        max_length=MAX_PROFILES,
        description="Perfiles con nombre y PIN opcional; sin profiles ni profileCount, la "
        "cuenta recibe los perfiles por cuenta del servicio",
    )
    profile_count: StrictInt | None = Field(
        default=None, description="Cuántos perfiles, con nombres «Perfil 1», «Perfil 2», …"
    )
    notes: str = Field(default="", max_length=500)
    paid_until: date | None = Field(
        default=None, description="Fecha (Ciudad de México) hasta la que el proveedor está pagado"
    )

    @field_validator("login")
    @classmethod
    def _strip_login(cls, value: str) -> str:
        stripped = value.strip()
        if not stripped:
            raise PydanticCustomError("missing", "the value is blank")
        return stripped

    @field_validator("password")
    @classmethod
    def _password_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise PydanticCustomError("missing", "the value is blank")
        return value


class ProfileOut(ApiModel):
    id: uuid.UUID
    position: int
    name: str
    state: str
    has_pin: bool
    subscription_id: uuid.UUID | None


class AccountOut(ApiModel):
    id: uuid.UUID
    service_id: uuid.UUID
    login_hint: str
    state: str
    profile_count: int
    free_profiles: int
    notes: str
    paid_until: date | None
    state_changed_at: datetime
    created_at: datetime
    updated_at: datetime


class AccountDetail(AccountOut):
    profiles: list[ProfileOut]


class StateChange(RequestModel):
    state: ManualState


class RevealRequest(RequestModel):
    reason: str = Field(
        min_length=5, max_length=200, examples=["Cliente reporta que no puede entrar (ticket 1042)"]
    )


class RevealedProfile(ApiModel):
    id: uuid.UUID
    name: str
    pin: str | None


class RevealedCredentials(ApiModel):
    account_id: uuid.UUID
    login: str
    password: str
    profiles: list[RevealedProfile]


class ProfileRotation(RequestModel):
    id: uuid.UUID
    pin: str | None = Field(default=None, min_length=1, max_length=16)


class RotateRequest(RequestModel):
    password: str | None = Field(default=None, min_length=1, max_length=256)
    profiles: list[ProfileRotation] = Field(default_factory=list, max_length=MAX_PROFILES)


class ImportRowError(ApiModel):
    row: int = Field(description="Número de fila como lo muestra Excel (el encabezado es la 1)")
    field: str
    code: str
    message: str


class ImportReport(ApiModel):
    dry_run: bool
    received: int
    imported: int
    rejected: int
    errors: list[ImportRowError]
    account_ids: list[uuid.UUID]


class StateCounts(ApiModel):
    available: int = 0
    assigned: int = 0
    maintenance: int = 0
    blocked: int = 0
    retired: int = 0


class ServiceStock(ApiModel):
    service_id: uuid.UUID
    service_name: str
    accounts: StateCounts
    free_profiles: int
    free_accounts: int
    waiting: int = Field(description="Suscripciones pagadas que esperan cuenta (estado pending)")
    low_stock: bool


class StockSummary(ApiModel):
    threshold: int
    services: list[ServiceStock]
