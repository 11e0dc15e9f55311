"""Business rules of the catalog: services, plans and bundles, and what may be deleted.

Anything that orders, stock or bundles refer to can only be deactivated, so past orders keep
meaning what they meant.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.catalog.errors import (
    BundleNotFoundError,
    InUseError,
    NameTakenError,
    PlanNotFoundError,
    ServiceNotFoundError,
)
from cuenty.catalog.models import Bundle, BundlePlan, CatalogService, Plan
from cuenty.inventory.models import ServiceAccount
from cuenty.orders.models import OrderItem


async def list_services(
    session: AsyncSession, *, include_inactive: bool = False
) -> list[tuple[CatalogService, list[Plan]]]:
    """Services in display order, each with its plans (active ones only unless asked)."""
    query = select(CatalogService).order_by(CatalogService.display_order, CatalogService.name)
    plans_query = select(Plan).order_by(Plan.duration_unit, Plan.duration_value, Plan.name)
    if not include_inactive:
        query = query.where(CatalogService.active.is_(True))
        plans_query = plans_query.where(Plan.active.is_(True))
    services = list((await session.scalars(query)).all())
    by_service: dict[uuid.UUID, list[Plan]] = {}
    for plan in (await session.scalars(plans_query)).all():
        by_service.setdefault(plan.service_id, []).append(plan)
    return [(service, by_service.get(service.id, [])) for service in services]


async def get_service(session: AsyncSession, service_id: uuid.UUID) -> CatalogService:
    service = await session.get(CatalogService, service_id)
    if service is None:
        raise ServiceNotFoundError(params={"id": service_id})
    return service


async def create_service(session: AsyncSession, values: Mapping[str, Any]) -> CatalogService:
    await _require_free_name(session, CatalogService, values["name"])
    service = CatalogService(**values)
    session.add(service)
    await session.flush()
    return service


async def update_service(
    session: AsyncSession, service_id: uuid.UUID, changes: Mapping[str, Any]
) -> CatalogService:
    service = await get_service(session, service_id)
    if "name" in changes and changes["name"] != service.name:
        await _require_free_name(session, CatalogService, changes["name"])
    _apply(service, changes)
    await session.flush()
    return service


async def delete_service(session: AsyncSession, service_id: uuid.UUID) -> None:
    service = await get_service(session, service_id)
    has_plans = await session.scalar(select(exists().where(Plan.service_id == service.id)))
    has_stock = await session.scalar(
        select(exists().where(ServiceAccount.service_id == service.id))
    )
    if has_plans or has_stock:
        raise InUseError()
    await session.delete(service)
    await session.flush()


async def get_plan(session: AsyncSession, plan_id: uuid.UUID) -> Plan:
    plan = await session.get(Plan, plan_id)
    if plan is None:
        raise PlanNotFoundError(params={"id": plan_id})
    return plan


async def create_plan(session: AsyncSession, values: Mapping[str, Any]) -> Plan:
    await get_service(session, values["service_id"])
    plan = Plan(**values)
    session.add(plan)
    await session.flush()
    return plan


async def update_plan(
    session: AsyncSession, plan_id: uuid.UUID, changes: Mapping[str, Any]
) -> Plan:
    plan = await get_plan(session, plan_id)
    _apply(plan, changes)
    await session.flush()
    return plan


async def delete_plan(session: AsyncSession, plan_id: uuid.UUID) -> None:
    plan = await get_plan(session, plan_id)
    ordered = await session.scalar(select(exists().where(OrderItem.plan_id == plan.id)))
    bundled = await session.scalar(select(exists().where(BundlePlan.plan_id == plan.id)))
    if ordered or bundled:
        raise InUseError()
    await session.delete(plan)
    await session.flush()


async def list_bundles(
    session: AsyncSession, *, include_inactive: bool = False
) -> list[tuple[Bundle, list[Plan]]]:
    query = select(Bundle).order_by(Bundle.name)
    if not include_inactive:
        query = query.where(Bundle.active.is_(True))
    bundles = list((await session.scalars(query)).all())
    return [(bundle, await bundle_plans(session, bundle.id)) for bundle in bundles]


async def get_bundle(session: AsyncSession, bundle_id: uuid.UUID) -> Bundle:
    bundle = await session.get(Bundle, bundle_id)
    if bundle is None:
        raise BundleNotFoundError(params={"id": bundle_id})
    return bundle


async def bundle_plans(session: AsyncSession, bundle_id: uuid.UUID) -> list[Plan]:
    query = (
        select(Plan)
        .join(BundlePlan, BundlePlan.plan_id == Plan.id)
        .where(BundlePlan.bundle_id == bundle_id)
        .order_by(BundlePlan.position)
    )
    return list((await session.scalars(query)).all())


async def create_bundle(
    session: AsyncSession, values: Mapping[str, Any], plan_ids: list[uuid.UUID]
) -> Bundle:
    await _require_free_name(session, Bundle, values["name"])
    for plan_id in plan_ids:
        await get_plan(session, plan_id)
    bundle = Bundle(**values)
    session.add(bundle)
    await session.flush()
    for position, plan_id in enumerate(dict.fromkeys(plan_ids)):
        session.add(BundlePlan(bundle_id=bundle.id, plan_id=plan_id, position=position))
    await session.flush()
    return bundle


async def update_bundle(
    session: AsyncSession, bundle_id: uuid.UUID, changes: Mapping[str, Any]
) -> Bundle:
    bundle = await get_bundle(session, bundle_id)
    if "name" in changes and changes["name"] != bundle.name:
        await _require_free_name(session, Bundle, changes["name"])
    _apply(bundle, changes)
    await session.flush()
    return bundle


async def delete_bundle(session: AsyncSession, bundle_id: uuid.UUID) -> None:
    bundle = await get_bundle(session, bundle_id)
    if await session.scalar(select(exists().where(OrderItem.bundle_id == bundle.id))):
        raise InUseError()
    await session.delete(bundle)
    await session.flush()


async def _require_free_name(session: AsyncSession, model: Any, name: str) -> None:
    taken = await session.scalar(
        select(exists().where(func.lower(model.name) == name.strip().lower()))
    )
    if taken:
        raise NameTakenError(params={"name": name})


def _apply(row: Any, changes: Mapping[str, Any]) -> None:
    for field_name, value in changes.items():
        setattr(row, field_name, value)
