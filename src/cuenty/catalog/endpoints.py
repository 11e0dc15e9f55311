"""Routes under /v1/catalog: the public catalog, and its administration by operations staff
(services, plans, bundles and promotion codes)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, Request, Response, status

from cuenty.catalog import promotions, service
from cuenty.catalog.schemas import (
    BundleCreate,
    BundleOut,
    BundleUpdate,
    PlanCreate,
    PlanOut,
    PlanUpdate,
    PromotionCreate,
    PromotionOut,
    PromotionUpdate,
    ServiceCreate,
    ServiceOut,
    ServiceUpdate,
    StaffPlanOut,
)
from cuenty.identity.access import Principal, require_access
from cuenty.kit.api import api_router, problem_responses
from cuenty.kit.deps import DbSession

router = api_router(prefix="/v1/catalog", tags=["subscriptions"])

require_catalog_admin = require_access(roles=("operations", "admin"), scopes=("catalog:write",))
CatalogAdmin = Annotated[Principal, Depends(require_catalog_admin)]
IncludeInactive = Annotated[
    bool,
    Query(
        alias="includeInactive",
        description="Incluir lo inactivo y el costo (solo operaciones y administración)",
    ),
]
ADMIN_ERRORS = problem_responses(401, 403, 404, 409)


@router.get(
    "/services",
    response_model=list[ServiceOut],
    summary="Servicios a la venta con sus planes y precios (público)",
    responses=problem_responses(401, 403),
)
async def list_services(
    request: Request, session: DbSession, include_inactive: IncludeInactive = False
) -> list[ServiceOut]:
    plan_view: type[PlanOut] = PlanOut
    if include_inactive:
        await require_catalog_admin(request)
        plan_view = StaffPlanOut
    rows = await service.list_services(session, include_inactive=include_inactive)
    return [ServiceOut.of(item, [plan_view.of(plan) for plan in plans]) for item, plans in rows]


@router.post(
    "/services",
    response_model=ServiceOut,
    status_code=status.HTTP_201_CREATED,
    summary="Dar de alta un servicio",
    responses=ADMIN_ERRORS,
)
async def create_service(
    body: ServiceCreate, session: DbSession, principal: CatalogAdmin
) -> ServiceOut:
    created = await service.create_service(session, body.model_dump())
    return ServiceOut.of(created, [])


@router.patch(
    "/services/{service_id}",
    response_model=ServiceOut,
    summary="Cambiar un servicio o desactivarlo (active false)",
    responses=ADMIN_ERRORS,
)
async def update_service(
    service_id: uuid.UUID, body: ServiceUpdate, session: DbSession, principal: CatalogAdmin
) -> ServiceOut:
    updated = await service.update_service(session, service_id, body.model_dump(exclude_unset=True))
    return ServiceOut.of(updated, [])


@router.delete(
    "/services/{service_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Borrar un servicio sin planes ni inventario (si tiene, desactivarlo)",
    responses=ADMIN_ERRORS,
)
async def delete_service(
    service_id: uuid.UUID, session: DbSession, principal: CatalogAdmin
) -> Response:
    await service.delete_service(session, service_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/plans",
    response_model=StaffPlanOut,
    status_code=status.HTTP_201_CREATED,
    summary="Crear un plan: precio de venta = costo + margen",
    responses=ADMIN_ERRORS,
)
async def create_plan(
    body: PlanCreate, session: DbSession, principal: CatalogAdmin
) -> StaffPlanOut:
    return StaffPlanOut.of(await service.create_plan(session, body.model_dump()))


@router.get(
    "/plans/{plan_id}",
    response_model=StaffPlanOut,
    summary="Un plan con su costo y margen",
    responses=ADMIN_ERRORS,
)
async def get_plan(plan_id: uuid.UUID, session: DbSession, principal: CatalogAdmin) -> StaffPlanOut:
    return StaffPlanOut.of(await service.get_plan(session, plan_id))


@router.patch(
    "/plans/{plan_id}",
    response_model=StaffPlanOut,
    summary="Cambiar precio, nombre o estado de un plan (los pedidos existentes no cambian)",
    responses=ADMIN_ERRORS,
)
async def update_plan(
    plan_id: uuid.UUID, body: PlanUpdate, session: DbSession, principal: CatalogAdmin
) -> StaffPlanOut:
    changes = body.model_dump(exclude_unset=True)
    return StaffPlanOut.of(await service.update_plan(session, plan_id, changes))


@router.delete(
    "/plans/{plan_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Borrar un plan sin pedidos ni combos (si tiene, desactivarlo)",
    responses=ADMIN_ERRORS,
)
async def delete_plan(plan_id: uuid.UUID, session: DbSession, principal: CatalogAdmin) -> Response:
    await service.delete_plan(session, plan_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/bundles",
    response_model=list[BundleOut],
    summary="Combos a la venta (público)",
    responses=problem_responses(401, 403),
)
async def list_bundles(
    request: Request, session: DbSession, include_inactive: IncludeInactive = False
) -> list[BundleOut]:
    if include_inactive:
        await require_catalog_admin(request)
    rows = await service.list_bundles(session, include_inactive=include_inactive)
    return [BundleOut.of(bundle, plans) for bundle, plans in rows]


@router.post(
    "/bundles",
    response_model=BundleOut,
    status_code=status.HTTP_201_CREATED,
    summary="Crear un combo de varios planes a un solo precio",
    responses=ADMIN_ERRORS,
)
async def create_bundle(
    body: BundleCreate, session: DbSession, principal: CatalogAdmin
) -> BundleOut:
    values = body.model_dump(exclude={"plan_ids"})
    bundle = await service.create_bundle(session, values, body.plan_ids)
    return BundleOut.of(bundle, await service.bundle_plans(session, bundle.id))


@router.patch(
    "/bundles/{bundle_id}",
    response_model=BundleOut,
    summary="Cambiar o desactivar un combo",
    responses=ADMIN_ERRORS,
)
async def update_bundle(
    bundle_id: uuid.UUID, body: BundleUpdate, session: DbSession, principal: CatalogAdmin
) -> BundleOut:
    bundle = await service.update_bundle(session, bundle_id, body.model_dump(exclude_unset=True))
    return BundleOut.of(bundle, await service.bundle_plans(session, bundle.id))


@router.delete(
    "/bundles/{bundle_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Borrar un combo sin pedidos (si tiene, desactivarlo)",
    responses=ADMIN_ERRORS,
)
async def delete_bundle(
    bundle_id: uuid.UUID, session: DbSession, principal: CatalogAdmin
) -> Response:
    await service.delete_bundle(session, bundle_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/promotions",
    response_model=list[PromotionOut],
    summary="Códigos de promoción con sus usos",
    responses=ADMIN_ERRORS,
)
async def list_promotions(session: DbSession, principal: CatalogAdmin) -> list[PromotionOut]:
    return [PromotionOut.of(item) for item in await promotions.list_promotions(session)]


@router.post(
    "/promotions",
    response_model=PromotionOut,
    status_code=status.HTTP_201_CREATED,
    summary="Crear un código de promoción (se compara sin distinguir mayúsculas)",
    responses=ADMIN_ERRORS,
)
async def create_promotion(
    body: PromotionCreate, session: DbSession, principal: CatalogAdmin
) -> PromotionOut:
    return PromotionOut.of(await promotions.create_promotion(session, body.model_dump()))


@router.patch(
    "/promotions/{promotion_id}",
    response_model=PromotionOut,
    summary="Cambiar límites o vigencia de una promoción, o desactivarla",
    responses=ADMIN_ERRORS,
)
async def update_promotion(
    promotion_id: uuid.UUID, body: PromotionUpdate, session: DbSession, principal: CatalogAdmin
) -> PromotionOut:
    changes = body.model_dump(exclude_unset=True)
    return PromotionOut.of(await promotions.update_promotion(session, promotion_id, changes))
