"""Shared steps of the inventory tests: catalog services, staff users with real tokens, and
reading events from the outbox."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from cuenty.catalog.models import CatalogService
from cuenty.identity.models import User
from cuenty.kit.jobs.models import OutboxEntry
from tests.identity.helpers import bearer, login, register

NETFLIX_LOGIN = "netflix.mx.07@cuenty.mx"
NETFLIX_PASSWORD = "Tamarindo-Rojo-8841"


async def create_service(
    app: FastAPI, name: str = "Netflix", profiles_per_account: int = 5
) -> uuid.UUID:
    async with app.state.session_factory() as session, session.begin():
        service = CatalogService(
            name=name, category="streaming", profiles_per_account=profiles_per_account
        )
        session.add(service)
    return service.id


async def staff_headers(
    client: httpx.AsyncClient, app: FastAPI, role: str, email: str | None = None
) -> dict[str, str]:
    """Register a user, give it `role`, sign in again and return its Authorization header."""
    email = email or f"{role}-{uuid.uuid4().hex[:8]}@cuenty.mx"
    await register(client, email)
    async with app.state.session_factory() as session, session.begin():
        await session.execute(update(User).where(User.email == email).values(role=role))
    return bearer(await login(client, email))


async def add_account(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    service_id: uuid.UUID,
    login_value: str = NETFLIX_LOGIN,
    **extra: Any,
) -> dict[str, Any]:
    body = {"serviceId": str(service_id), "login": login_value, "password": NETFLIX_PASSWORD}
    body.update(extra)
    response = await client.post("/v1/inventory/accounts", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def stock_events(app: FastAPI) -> list[dict[str, Any]]:
    """Return the data of every `inventory.stock_available` event in the outbox."""
    async with app.state.session_factory() as session:
        entries = await session.scalars(
            select(OutboxEntry)
            .where(OutboxEntry.name == "inventory.stock_available")
            .order_by(OutboxEntry.id)
        )
        return [entry.payload["data"] for entry in entries]


async def set_profile_states(app: FastAPI, account_id: str, states: list[str]) -> None:
    """Set the account's profiles to `states` (in position order), as allocation and expiry
    would, and keep `free_profiles` and the account state consistent with them."""
    from cuenty.inventory.models import AccountProfile, ServiceAccount

    async with app.state.session_factory() as session, session.begin():
        profiles = (
            await session.scalars(
                select(AccountProfile)
                .where(AccountProfile.account_id == uuid.UUID(account_id))
                .order_by(AccountProfile.position)
            )
        ).all()
        for profile, state in zip(profiles, states, strict=True):
            profile.state = state
        account = await session.get(ServiceAccount, uuid.UUID(account_id))
        assert account is not None
        account.free_profiles = states.count("available")
        if account.free_profiles == 0 and "assigned" in states:
            account.state = "assigned"


async def add_pending_subscriptions(
    app: FastAPI, service_id: uuid.UUID, user_email: str, count: int
) -> None:
    """Store a paid order whose `count` subscriptions wait for stock."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from cuenty.catalog.models import Plan
    from cuenty.orders.models import Order, OrderItem
    from cuenty.subscriptions.models import Subscription

    zero = Decimal("0.00")
    money = {"subtotal": zero, "discount": zero, "iva": zero, "total": zero, "cost": zero}
    async with app.state.session_factory() as session, session.begin():
        user_id = await session.scalar(select(User.id).where(User.email == user_email))
        plan = Plan(
            service_id=service_id,
            name="Individual 30 días",
            plan_type="INDIVIDUAL",
            duration_value=30,
            duration_unit="days",
            cost=Decimal("50.00"),
            margin=Decimal("20.00"),
        )
        order = Order(
            number=f"CTY-20261204-{uuid.uuid4().hex[:6].upper()}",
            user_id=user_id,
            state="paid",
            payment_expires_at=datetime(2026, 12, 5, tzinfo=UTC),
            profit=zero,
            **money,
        )
        session.add_all([plan, order])
        await session.flush()
        item = OrderItem(
            order_id=order.id,
            position=0,
            plan_id=plan.id,
            description="Netflix individual",
            quantity=count,
            unit_price=zero,
            profit=zero,
            **money,
        )
        session.add(item)
        await session.flush()
        for unit in range(count):
            session.add(
                Subscription(
                    user_id=user_id,
                    order_id=order.id,
                    order_item_id=item.id,
                    unit=unit,
                    service_id=service_id,
                    plan_id=plan.id,
                    plan_type="INDIVIDUAL",
                    state="pending",
                )
            )
