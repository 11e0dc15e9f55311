"""Response and request bodies of the subscriptions API (camelCase on the wire)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from cuenty.kit.api import ApiModel, RequestModel

SubscriptionStateField = Literal["pending", "active", "expiring", "expired", "cancelled", "paused"]


class ServiceRef(ApiModel):
    id: uuid.UUID
    name: str
    logo_url: str | None = None


class PlanRef(ApiModel):
    id: uuid.UUID
    name: str
    plan_type: Literal["INDIVIDUAL", "COMPLETA"]


class Credentials(ApiModel):
    """The account's access data, shown only to the owner while the subscription runs."""

    login: str = Field(description="Correo o usuario de la cuenta")
    password: str
    profile_name: str | None = None
    pin: str | None = None


class SubscriptionOut(ApiModel):
    id: uuid.UUID
    service: ServiceRef
    plan: PlanRef
    state: SubscriptionStateField
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    days_left: int = Field(description="Días que faltan, con la fecha de la Ciudad de México")
    auto_renew: bool
    order_id: uuid.UUID
    renewal_order_id: uuid.UUID | None = None
    credentials: Credentials | None = Field(
        default=None, description="Solo para el titular, mientras la suscripción está vigente"
    )


class StaffSubscriptionOut(SubscriptionOut):
    user_id: uuid.UUID
    account_id: uuid.UUID | None = None
    profile_id: uuid.UUID | None = None


class StaffAction(RequestModel):
    reason: str = Field(min_length=3, max_length=200)
