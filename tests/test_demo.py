"""The demo loader adds every demo user, service and account once and never runs in production
mode."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty.catalog.models import CatalogService, Plan
from cuenty.config import Environment
from cuenty.demo import DEMO_USERS, DemoRefusedError, database_is_empty, load_demo_data
from cuenty.demo_commerce import DEMO_SERVICES, STOCK_PER_SERVICE
from cuenty.identity.models import User
from cuenty.inventory.models import ServiceAccount
from cuenty.kit.db import create_session_factory, transaction
from cuenty.kit.security import verify_password
from tests.conftest import make_settings


async def test_demo_load_is_idempotent(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    settings = make_settings()
    async with transaction(factory) as session:
        first = await load_demo_data(session, settings)
    async with transaction(factory) as session:
        second = await load_demo_data(session, settings)
        count = await session.scalar(select(func.count()).select_from(User))
    assert first == len(DEMO_USERS) + 1
    assert second == 0
    assert count == first


async def test_demo_admin_password_verifies(engine: AsyncEngine) -> None:
    settings = make_settings()
    async with transaction(create_session_factory(engine)) as session:
        await load_demo_data(session, settings)
        admin = await session.scalar(select(User).where(User.role == "admin"))
    assert admin is not None
    assert admin.email == settings.demo_admin_email
    assert verify_password(settings.secret("demo_admin_password"), admin.password_hash or "")[0]


async def test_database_is_empty_before_loading(engine: AsyncEngine) -> None:
    async with transaction(create_session_factory(engine)) as session:
        assert await database_is_empty(session)


async def test_demo_refused_in_production(engine: AsyncEngine) -> None:
    settings = make_settings()
    settings.environment = Environment.PRODUCTION
    async with transaction(create_session_factory(engine)) as session:
        with pytest.raises(DemoRefusedError):
            await load_demo_data(session, settings)


async def test_demo_catalog_prices_netflix_at_70_and_261(engine: AsyncEngine) -> None:
    async with transaction(create_session_factory(engine)) as session:
        await load_demo_data(session, make_settings())
        rows = await session.execute(
            select(Plan.plan_type, Plan.cost + Plan.margin)
            .join(CatalogService, CatalogService.id == Plan.service_id)
            .where(CatalogService.name == "Netflix")
        )
        prices = {plan_type: str(price) for plan_type, price in rows}
    assert prices == {"INDIVIDUAL": "70.00", "COMPLETA": "261.00"}


async def test_demo_stock_covers_every_service(engine: AsyncEngine) -> None:
    async with transaction(create_session_factory(engine)) as session:
        await load_demo_data(session, make_settings())
        stocked = await session.scalar(select(func.count(func.distinct(ServiceAccount.service_id))))
        services = await session.scalar(select(func.count()).select_from(CatalogService))
    assert stocked == services


async def test_demo_stock_is_added_once(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    async with transaction(factory) as session:
        await load_demo_data(session, make_settings())
    async with transaction(factory) as session:
        await load_demo_data(session, make_settings())
        accounts = await session.scalar(select(func.count()).select_from(ServiceAccount))
    assert accounts == STOCK_PER_SERVICE * len(DEMO_SERVICES)
