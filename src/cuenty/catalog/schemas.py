"""Request and response bodies of the catalog API (camelCase on the wire)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from cuenty.catalog.models import Bundle, CatalogService, Plan, Promotion
from cuenty.kit.api import ApiModel, RequestModel
from cuenty.kit.money import Money, add_iva

NonNegativeMoney = Annotated[Money, Field(ge=0)]
PositiveMoney = Annotated[Money, Field(gt=0)]
PlanTypeField = Literal["INDIVIDUAL", "COMPLETA"]
DurationUnitField = Literal["days", "months"]
Name = Annotated[str, Field(min_length=1, max_length=80)]
MAX_MONTHS = 24


def customer_price(price: Decimal, includes_iva: bool) -> Decimal:
    """The price a customer pays, IVA included."""
    return price if includes_iva else add_iva(price).total


class ServiceCreate(RequestModel):
    name: Name = Field(examples=["Netflix"])
    category: str = Field(min_length=1, max_length=40, examples=["streaming"])
    logo_url: str | None = Field(default=None, max_length=500, pattern=r"^(https://|/)")
    active: bool = True
    display_order: int = Field(default=0, ge=0, le=10_000)
    profiles_per_account: int = Field(
        default=1, ge=1, le=10, description="Perfiles que tiene cada cuenta del servicio"
    )


class ServiceUpdate(RequestModel):
    name: Name | None = None
    category: str | None = Field(default=None, min_length=1, max_length=40)
    logo_url: str | None = Field(default=None, max_length=500, pattern=r"^(https://|/)")
    active: bool | None = None
    display_order: int | None = Field(default=None, ge=0, le=10_000)
    profiles_per_account: int | None = Field(default=None, ge=1, le=10)


class PlanCreate(RequestModel):
    service_id: uuid.UUID
    name: Name = Field(examples=["1 perfil, 30 días"])
    plan_type: PlanTypeField
    duration_unit: DurationUnitField = "days"
    duration_value: int = Field(ge=1, le=730, examples=[30])
    cost: NonNegativeMoney = Field(examples=[45.0])
    margin: NonNegativeMoney = Field(examples=[25.0])
    price_includes_iva: bool = True
    active: bool = True

    @field_validator("duration_value")
    @classmethod
    def _bounded_months(cls, value: int, info: ValidationInfo) -> int:
        if info.data.get("duration_unit") == "months" and value > MAX_MONTHS:
            raise PydanticCustomError("less_than_equal", "at most 24 months", {"le": MAX_MONTHS})
        return value


class PlanUpdate(RequestModel):
    name: Name | None = None
    cost: NonNegativeMoney | None = None
    margin: NonNegativeMoney | None = None
    price_includes_iva: bool | None = None
    active: bool | None = None


class PlanOut(ApiModel):
    id: uuid.UUID
    service_id: uuid.UUID
    name: str
    plan_type: PlanTypeField
    duration_value: int
    duration_unit: DurationUnitField
    price: Money = Field(description="Precio de venta: costo más margen")
    price_includes_iva: bool
    customer_price: Money = Field(description="Lo que paga el cliente, con IVA")
    active: bool

    @classmethod
    def of(cls, plan: Plan) -> PlanOut:
        return cls(
            id=plan.id,
            service_id=plan.service_id,
            name=plan.name,
            plan_type=plan.plan_type,  # type: ignore[arg-type]
            duration_value=plan.duration_value,
            duration_unit=plan.duration_unit,  # type: ignore[arg-type]
            price=plan.price,
            price_includes_iva=plan.price_includes_iva,
            customer_price=customer_price(plan.price, plan.price_includes_iva),
            active=plan.active,
        )


class StaffPlanOut(PlanOut):
    cost: Money
    margin: Money

    @classmethod
    def of(cls, plan: Plan) -> StaffPlanOut:
        return cls(**PlanOut.of(plan).model_dump(), cost=plan.cost, margin=plan.margin)


class ServiceOut(ApiModel):
    id: uuid.UUID
    name: str
    category: str
    logo_url: str | None
    active: bool
    display_order: int
    profiles_per_account: int
    plans: list[PlanOut] = Field(default_factory=list)

    @classmethod
    def of(cls, service: CatalogService, plans: list[PlanOut]) -> ServiceOut:
        return cls(
            id=service.id,
            name=service.name,
            category=service.category,
            logo_url=service.logo_url,
            active=service.active,
            display_order=service.display_order,
            profiles_per_account=service.profiles_per_account,
            plans=plans,
        )


class BundleCreate(RequestModel):
    name: Name = Field(examples=["Combo Netflix + Spotify"])
    price: NonNegativeMoney = Field(examples=[120.0])
    price_includes_iva: bool = True
    plan_ids: list[uuid.UUID] = Field(min_length=2, max_length=10)
    active: bool = True


class BundleUpdate(RequestModel):
    name: Name | None = None
    price: NonNegativeMoney | None = None
    price_includes_iva: bool | None = None
    active: bool | None = None


class BundleOut(ApiModel):
    id: uuid.UUID
    name: str
    price: Money
    price_includes_iva: bool
    customer_price: Money
    active: bool
    plans: list[PlanOut]

    @classmethod
    def of(cls, bundle: Bundle, plans: list[Plan]) -> BundleOut:
        return cls(
            id=bundle.id,
            name=bundle.name,
            price=bundle.price,
            price_includes_iva=bundle.price_includes_iva,
            customer_price=customer_price(bundle.price, bundle.price_includes_iva),
            active=bundle.active,
            plans=[PlanOut.of(plan) for plan in plans],
        )


class PromotionCreate(RequestModel):
    code: str = Field(min_length=3, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    description: str = Field(default="", max_length=200)
    kind: Literal["percentage", "fixed"]
    value: PositiveMoney = Field(description="Porcentaje (1 a 100) o monto fijo en MXN")
    min_purchase: NonNegativeMoney = Decimal("0.00")
    max_uses: int | None = Field(default=None, ge=1)
    per_customer_limit: int | None = Field(default=None, ge=1)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    active: bool = True

    @field_validator("value")
    @classmethod
    def _percentage_bounded(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        if info.data.get("kind") == "percentage" and value > 100:
            raise PydanticCustomError("less_than_equal", "at most 100 percent", {"le": 100})
        return value

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise PydanticCustomError("timezone_aware", "must include a time zone")
        return value

    @field_validator("ends_at")
    @classmethod
    def _after_start(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        starts_at = info.data.get("starts_at")
        if value is not None and starts_at is not None and value <= starts_at:
            raise PydanticCustomError(
                "ends_before_start", "must be after startsAt", {"other": "startsAt"}
            )
        return value


class PromotionUpdate(RequestModel):
    description: str | None = Field(default=None, max_length=200)
    max_uses: int | None = Field(default=None, ge=1)
    per_customer_limit: int | None = Field(default=None, ge=1)
    ends_at: datetime | None = None
    active: bool | None = None

    @field_validator("ends_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise PydanticCustomError("timezone_aware", "must include a time zone")
        return value


class PromotionOut(ApiModel):
    id: uuid.UUID
    code: str
    description: str
    kind: str
    value: Money
    min_purchase: Money
    max_uses: int | None
    per_customer_limit: int | None
    starts_at: datetime | None
    ends_at: datetime | None
    active: bool
    uses: int = Field(description="Usos en pedidos pagados")

    @classmethod
    def of(cls, promotion: Promotion) -> PromotionOut:
        return cls.model_validate(promotion)
