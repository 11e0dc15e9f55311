"""Synthetic renewal history with a known churn signal, for tests, benchmarks and demos.

Each subscription has a hidden engagement level: engaged customers browse more (sessions)
and renew more often, so a model that reads sessions should beat chance. Rows are written
with bulk inserts straight into the tables the models read.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.analytics.models import AnalyticsEvent, AnalyticsSession
from cuenty.catalog.models import CatalogService, Plan
from cuenty.compliance.models import ConsentLog, PrivacyNotice
from cuenty.identity.models import User
from cuenty.kit.clock import business_date
from cuenty.orders.models import Order, OrderItem
from cuenty.subscriptions.models import Subscription

NOTICE_VERSION = "9.0"
CHUNK = 2000


@dataclass
class Generated:
    subscriptions: int = 0
    users: list[uuid.UUID] = field(default_factory=list)
    refused: list[uuid.UUID] = field(default_factory=list)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


async def generate(
    session: AsyncSession,
    *,
    subscriptions: int,
    now: datetime,
    seed: int = 0,
    max_age_days: int = 540,
    refusing_share: float = 0.05,
) -> Generated:
    """Write `subscriptions` subscriptions (one customer each) with their orders, renewals,
    sessions, payment events and consents; returns the users and who refused scoring."""
    # Reproducible test data, not secrets.
    rng = random.Random(seed)  # noqa: S311
    service_id, plans = await _catalog(session)
    session.add(_notice(now))
    out = Generated(rows={name: [] for name in _TABLES})
    for number in range(subscriptions):
        _customer(out, rng, number, service_id, plans, now, max_age_days, refusing_share)
    for name, model in _TABLES.items():
        rows = out.rows[name]
        for start in range(0, len(rows), CHUNK):
            await session.execute(insert(model), rows[start : start + CHUNK])
    out.subscriptions = subscriptions
    return out


_TABLES: dict[str, Any] = {
    "users": User,
    "orders": Order,
    "items": OrderItem,
    "subscriptions": Subscription,
    "sessions": AnalyticsSession,
    "events": AnalyticsEvent,
    "consents": ConsentLog,
}


async def _catalog(session: AsyncSession) -> tuple[uuid.UUID, list[Plan]]:
    service = CatalogService(name=f"Sintético {uuid.uuid4().hex[:6]}", category="streaming")
    session.add(service)
    await session.flush()
    plans = [
        Plan(
            service_id=service.id,
            name="1 mes",
            plan_type="INDIVIDUAL",
            duration_value=1,
            duration_unit="months",
            cost=Decimal("45.00"),
            margin=Decimal("25.00"),
        ),
        Plan(
            service_id=service.id,
            name="30 días",
            plan_type="COMPLETA",
            duration_value=30,
            duration_unit="days",
            cost=Decimal("150.00"),
            margin=Decimal("49.00"),
        ),
    ]
    session.add_all(plans)
    await session.flush()
    return service.id, plans


def _notice(now: datetime) -> PrivacyNotice:
    return PrivacyNotice(
        version=NOTICE_VERSION,
        version_key=[9, 0],
        notice_type="integral",
        language="es-MX",
        title="Aviso sintético",
        content="Aviso de privacidad de prueba.",
        content_sha256="0" * 64,
        purposes=["terms_of_service", "analytics", "automated_decisions"],
        effective_date=(now - timedelta(days=800)).date(),
    )


def _customer(
    out: Generated,
    rng: random.Random,
    number: int,
    service_id: uuid.UUID,
    plans: list[Plan],
    now: datetime,
    max_age_days: int,
    refusing_share: float,
) -> None:
    user_id = uuid.uuid4()
    engagement = rng.gauss(0.0, 1.0)
    plan = plans[number % len(plans)]
    price = plan.cost + plan.margin
    period = timedelta(days=30)
    start = now - timedelta(days=rng.uniform(20, max_age_days))

    out.users.append(user_id)
    out.rows["users"].append(
        {
            "id": user_id,
            "email": f"sintetico{number}-{user_id.hex[:6]}@example.com",
            "name": f"Cliente {number}",
            "created_at": start - timedelta(days=1),
        }
    )

    refused = rng.random() < refusing_share
    if refused:
        out.refused.append(user_id)
    out.rows["consents"].append(
        {
            "user_id": user_id,
            "purpose": "automated_decisions",
            "action": "revoked" if refused else "granted",
            "mode": "tacit",
            "source": "web",
            "notice_version": NOTICE_VERSION,
            "occurred_at": start - timedelta(days=1),
        }
    )

    subscription_id, order_id = uuid.uuid4(), _order(out, user_id, None, start, price, plan, number)
    item_id = out.rows["items"][-1]["id"]
    ends_at, state, renewals = start + period, "expired", 0
    while True:
        if ends_at > now:
            state = "expiring" if ends_at - now <= timedelta(days=7) else "active"
            break
        churn = 1 / (1 + math.exp(-(-1.2 - 1.4 * engagement)))
        if rng.random() < churn:
            break
        paid_at = ends_at - timedelta(days=rng.uniform(0, 5))
        _order(out, user_id, subscription_id, paid_at, price, plan, number * 1000 + renewals + 1)
        renewals += 1
        ends_at += period

    _sessions(out, rng, user_id, start, min(ends_at, now), engagement)
    out.rows["subscriptions"].append(
        {
            "id": subscription_id,
            "user_id": user_id,
            "order_id": order_id,
            "order_item_id": item_id,
            "unit": 0,
            "service_id": service_id,
            "plan_id": plan.id,
            "plan_type": plan.plan_type,
            "state": state,
            "starts_at": start,
            "ends_at": ends_at,
            "created_at": start,
        }
    )


def _order(
    out: Generated,
    user_id: uuid.UUID,
    renews: uuid.UUID | None,
    paid_at: datetime,
    price: Decimal,
    plan: Plan,
    number: int,
) -> uuid.UUID:
    order_id = uuid.uuid4()
    zero = Decimal("0.00")
    out.rows["orders"].append(
        {
            "id": order_id,
            "number": f"S-{order_id.hex[:14]}",
            "user_id": user_id,
            "kind": "renewal" if renews else "new",
            "renews_subscription_id": renews,
            "state": "delivered",
            "payment_state": "paid",
            "subtotal": price,
            "discount": zero,
            "iva": zero,
            "total": price,
            "cost": plan.cost,
            "profit": plan.margin,
            "payment_expires_at": paid_at + timedelta(days=2),
            "paid_at": paid_at,
            "created_at": paid_at - timedelta(days=1),
        }
    )
    if renews is None:
        out.rows["items"].append(
            {
                "id": uuid.uuid4(),
                "order_id": order_id,
                "position": 0,
                "plan_id": plan.id,
                "description": plan.name,
                "quantity": 1,
                "unit_price": price,
                "subtotal": price,
                "discount": zero,
                "iva": zero,
                "total": price,
                "cost": plan.cost,
                "profit": plan.margin,
            }
        )
    out.rows["events"].append(
        {
            "event_id": uuid.uuid4(),
            "source": "platform",
            "event_type": "payment",
            "event_name": "payment.reconciled",
            "user_id": user_id,
            "properties": {},
            "occurred_at": paid_at,
            "local_date": business_date(paid_at),
            "amount": price,
            "order_id": order_id,
            "state_code": "unknown",
        }
    )
    return order_id


def _sessions(
    out: Generated,
    rng: random.Random,
    user_id: uuid.UUID,
    start: datetime,
    end: datetime,
    engagement: float,
) -> None:
    """Sessions at a Poisson rate that grows with engagement (about 1 to 10 a month)."""
    rate_per_day = math.exp(0.9 * engagement) / 10
    moment = start
    while True:
        moment += timedelta(days=rng.expovariate(rate_per_day))
        if moment >= end:
            return
        length = timedelta(seconds=rng.uniform(20, 600) * math.exp(0.3 * engagement))
        out.rows["sessions"].append(
            {
                "session_id": uuid.uuid4().hex,
                "user_id": user_id,
                "started_at": moment,
                "last_event_at": moment + length,
                "events": rng.randint(1, 20),
            }
        )
