"""Demo catalog for the embedded mode: services sold in Mexico at realistic prices (IVA
included), a bundle, a welcome promotion, and a few accounts of stock for each service.

Loading is idempotent: a service, bundle or promotion whose name or code exists is left as
it is, and stock is added only to services that have none.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.catalog.models import Bundle, BundlePlan, CatalogService, Plan, Promotion
from cuenty.inventory import service as inventory
from cuenty.inventory.models import ServiceAccount
from cuenty.inventory.rules import ProfileSpec

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class DemoPlan:
    name: str
    plan_type: str
    cost: str
    margin: str
    months: bool = False


@dataclass(frozen=True)
class DemoService:
    name: str
    category: str
    profiles: int
    plans: tuple[DemoPlan, ...]


# Sale price = cost + margin, IVA included; the INDIVIDUAL and COMPLETA prices of Netflix
# (70 / 261), Disney+ (55 / 187) and Spotify (63 a month) are the ones the business quotes.
DEMO_SERVICES = (
    DemoService(
        "Netflix",
        "streaming",
        4,
        (
            DemoPlan("1 perfil, 30 días", "INDIVIDUAL", "45.00", "25.00"),
            DemoPlan("Cuenta completa, 30 días", "COMPLETA", "219.00", "42.00"),
        ),
    ),
    DemoService(
        "Disney+",
        "streaming",
        4,
        (
            DemoPlan("1 perfil, 30 días", "INDIVIDUAL", "35.00", "20.00"),
            DemoPlan("Cuenta completa, 30 días", "COMPLETA", "149.00", "38.00"),
        ),
    ),
    DemoService(
        "HBO Max",
        "streaming",
        4,
        (
            DemoPlan("1 perfil, 30 días", "INDIVIDUAL", "38.00", "21.00"),
            DemoPlan("Cuenta completa, 30 días", "COMPLETA", "149.00", "50.00"),
        ),
    ),
    DemoService(
        "Prime Video",
        "streaming",
        4,
        (
            DemoPlan("1 perfil, 30 días", "INDIVIDUAL", "30.00", "19.00"),
            DemoPlan("Cuenta completa, 30 días", "COMPLETA", "75.00", "24.00"),
        ),
    ),
    DemoService(
        "Spotify", "música", 1, (DemoPlan("Premium, 1 mes", "INDIVIDUAL", "40.00", "23.00", True),)
    ),
    DemoService(
        "Canva", "diseño", 1, (DemoPlan("Pro, 1 mes", "INDIVIDUAL", "60.00", "29.00", True),)
    ),
    DemoService(
        "ChatGPT",
        "productividad",
        1,
        (DemoPlan("Plus, 1 mes", "INDIVIDUAL", "360.00", "39.00", True),),
    ),
)
DEMO_BUNDLE = ("Combo Netflix + Spotify", Decimal("120.00"), ("Netflix", "Spotify"))
DEMO_PROMOTION = "BIENVENIDA"
STOCK_PER_SERVICE = 3


async def catalog_is_empty(session: AsyncSession) -> bool:
    return await session.scalar(select(CatalogService.id).limit(1)) is None


async def load_demo_catalog(session: AsyncSession) -> int:
    """Insert the demo services and their plans that are missing; return how many services."""
    added = 0
    for order, demo in enumerate(DEMO_SERVICES):
        if await session.scalar(select(CatalogService.id).where(CatalogService.name == demo.name)):
            continue
        service = CatalogService(
            name=demo.name,
            category=demo.category,
            profiles_per_account=demo.profiles,
            display_order=order * 10,
        )
        session.add(service)
        await session.flush()
        for plan in demo.plans:
            session.add(
                Plan(
                    service_id=service.id,
                    name=plan.name,
                    plan_type=plan.plan_type,
                    duration_value=1 if plan.months else 30,
                    duration_unit="months" if plan.months else "days",
                    cost=Decimal(plan.cost),
                    margin=Decimal(plan.margin),
                    price_includes_iva=True,
                )
            )
        added += 1
    await session.flush()
    await _load_bundle(session)
    await _load_promotion(session)
    log.info("demo.catalog_loaded", services_added=added)
    return added


async def _load_bundle(session: AsyncSession) -> None:
    name, price, service_names = DEMO_BUNDLE
    if await session.scalar(select(Bundle.id).where(Bundle.name == name)):
        return
    bundle = Bundle(name=name, price=price, price_includes_iva=True)
    session.add(bundle)
    await session.flush()
    for position, service_name in enumerate(service_names):
        plan_id = await session.scalar(
            select(Plan.id)
            .join(CatalogService, CatalogService.id == Plan.service_id)
            .where(CatalogService.name == service_name, Plan.plan_type == "INDIVIDUAL")
            .limit(1)
        )
        session.add(BundlePlan(bundle_id=bundle.id, plan_id=plan_id, position=position))


async def _load_promotion(session: AsyncSession) -> None:
    if await session.scalar(select(Promotion.id).where(Promotion.code == DEMO_PROMOTION)):
        return
    session.add(
        Promotion(
            code=DEMO_PROMOTION,
            description="10% en tu primera compra desde $100",
            kind="percentage",
            value=Decimal("10.00"),
            min_purchase=Decimal("100.00"),
            per_customer_limit=1,
        )
    )


async def load_demo_stock(session: AsyncSession, master_key: str) -> int:
    """Add STOCK_PER_SERVICE accounts to each demo service that has none; return how many.

    The logins are at the reserved `example.com` domain and the passwords random, so demo
    credentials never name a real account.
    """
    added = 0
    for demo in DEMO_SERVICES:
        service = await session.scalar(
            select(CatalogService).where(CatalogService.name == demo.name)
        )
        if service is None or await session.scalar(
            select(ServiceAccount.id).where(ServiceAccount.service_id == service.id).limit(1)
        ):
            continue
        slug = demo.name.lower().replace("+", "plus").replace(" ", "")
        for number in range(1, STOCK_PER_SERVICE + 1):
            # A seat of a service without profiles (Spotify, Canva) has no PIN.
            profiles = [
                ProfileSpec(
                    name=f"Perfil {position}",
                    pin=f"{secrets.randbelow(10_000):04d}" if demo.profiles > 1 else None,
                )
                for position in range(1, demo.profiles + 1)
            ]
            await inventory.add_account(
                session,
                master_key,
                inventory.NewAccount(
                    service=service,
                    login=f"{slug}.demo{number}@example.com",
                    password=secrets.token_urlsafe(12),
                    profiles=profiles,
                ),
            )
            added += 1
    log.info("demo.stock_loaded", accounts_added=added)
    return added
