"""Shared steps of the commerce tests: people with roles, a small catalog, stock, and
running the jobs an order sets off."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from cuenty.catalog.models import CatalogService, Plan
from cuenty.identity.models import User
from cuenty.inventory import service as inventory
from cuenty.inventory.rules import ProfileSpec
from cuenty.kit.jobs import load_task_modules, registry
from tests.conftest import TestDatabase
from tests.identity.helpers import bearer, login, register
from tests.jobs.support import reset_procrastinate, run_jobs


async def person(client: httpx.AsyncClient, email: str, role: str = "customer") -> dict[str, str]:
    """Sign up `email`, give it `role`, sign in again and return its Authorization header."""
    await register(client, email)
    app: FastAPI = client._transport.app  # type: ignore[attr-defined]
    async with app.state.session_factory() as session, session.begin():
        await session.execute(update(User).where(User.email == email).values(role=role))
    return bearer(await login(client, email))


async def stored_user(app: FastAPI, email: str = "ana@example.com") -> uuid.UUID:
    """A customer written straight to the database, for tests that never sign in."""
    async with app.state.session_factory() as session, session.begin():
        user = User(email=email, name="Ana López")
        session.add(user)
    return user.id


async def user_id(app: FastAPI, email: str) -> uuid.UUID:
    async with app.state.session_factory() as session:
        from sqlalchemy import select

        found = await session.scalar(select(User.id).where(User.email == email))
    assert found is not None
    return found


@dataclass
class Catalog:
    netflix: CatalogService
    spotify: CatalogService
    netflix_profile: Plan
    netflix_whole: Plan
    spotify_month: Plan


async def seed_catalog(app: FastAPI) -> Catalog:
    """Netflix (4 profiles per account) and Spotify, priced as the demo catalog is."""
    async with app.state.session_factory() as session, session.begin():
        netflix = CatalogService(name="Netflix", category="streaming", profiles_per_account=4)
        spotify = CatalogService(name="Spotify", category="music", profiles_per_account=1)
        session.add_all([netflix, spotify])
        await session.flush()
        catalog = Catalog(
            netflix=netflix,
            spotify=spotify,
            netflix_profile=_plan(netflix, "1 perfil 30 días", "INDIVIDUAL", "45.00", "25.00"),
            netflix_whole=_plan(netflix, "Cuenta completa 30 días", "COMPLETA", "190.00", "71.00"),
            spotify_month=_plan(spotify, "1 mes", "INDIVIDUAL", "40.00", "23.00", months=True),
        )
        session.add_all([catalog.netflix_profile, catalog.netflix_whole, catalog.spotify_month])
    return catalog


def _plan(
    service: CatalogService, name: str, plan_type: str, cost: str, margin: str, months: bool = False
) -> Plan:
    return Plan(
        service_id=service.id,
        name=name,
        plan_type=plan_type,
        duration_value=1 if months else 30,
        duration_unit="months" if months else "days",
        cost=Decimal(cost),
        margin=Decimal(margin),
        price_includes_iva=True,
    )


async def add_stock(app: FastAPI, service: CatalogService, accounts: int) -> list[uuid.UUID]:
    """Add accounts with every profile free, through the inventory service, so their
    credentials are encrypted as in production: login `<service>-<n>@stock.example`,
    password `Clave-<n>`, profile PINs `1000 + position`."""
    master_key = app.state.settings.secret("encryption_key")
    created: list[uuid.UUID] = []
    async with app.state.session_factory() as session, session.begin():
        for number in range(accounts):
            slug = f"{service.name.lower().replace('+', 'plus')}-{uuid.uuid4().hex[:6]}-{number}"
            profiles = [
                ProfileSpec(name=f"Perfil {position + 1}", pin=str(1000 + position))
                for position in range(service.profiles_per_account)
            ]
            account = await inventory.add_account(
                session,
                master_key,
                inventory.NewAccount(
                    service=service,
                    login=f"{slug}@stock.example",
                    password=f"Clave-{number}",
                    profiles=profiles,
                ),
            )
            created.append(account.id)
    return created


async def run_all_jobs(database: TestDatabase) -> None:
    """Run every due job and event handler of the platform, then clear procrastinate."""
    load_task_modules()
    await run_jobs(database, registry)
    await reset_procrastinate(database.engine)
