"""Routes under /v1/inventory: accounts (add, CSV import, list, detail, state, reveal,
rotate) and the stock summary. Staff only: readers need `inventory:read`, writers
`inventory:write`, and revealing credentials `inventory:reveal`.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response, status

from cuenty.identity.access import Principal, require_access
from cuenty.inventory import csv_import, repository, service
from cuenty.inventory.errors import InvalidInventoryDataError
from cuenty.inventory.models import AccountState, ServiceAccount
from cuenty.inventory.rules import ProfileSpec, RuleViolation, plan_profiles
from cuenty.inventory.schemas import (
    AccountCreate,
    AccountDetail,
    AccountOut,
    ImportReport,
    ProfileOut,
    RevealedCredentials,
    RevealedProfile,
    RevealRequest,
    RotateRequest,
    StateChange,
    StockSummary,
)
from cuenty.inventory.stock import stock_summary
from cuenty.kit.api import api_router, problem_responses
from cuenty.kit.clock import business_date
from cuenty.kit.deps import DbSession
from cuenty.kit.errors import UnsupportedMediaTypeError, request_locale
from cuenty.kit.i18n import N_
from cuenty.kit.net import client_ip
from cuenty.kit.pagination import Page, PageParams, page_params, paginate
from cuenty.kit.validation import FieldError

router = api_router(prefix="/v1/inventory", tags=["inventory"])

# Module-level so tests can override them through app.dependency_overrides.
require_inventory_read = require_access(scopes=("inventory:read",))
require_inventory_write = require_access(scopes=("inventory:write",))
require_inventory_reveal = require_access(scopes=("inventory:reveal",))
Reader = Annotated[Principal, Depends(require_inventory_read)]
Writer = Annotated[Principal, Depends(require_inventory_write)]
Revealer = Annotated[Principal, Depends(require_inventory_reveal)]
Pages = Annotated[PageParams, Depends(page_params)]
CSV_MEDIA_TYPES = frozenset({"text/csv", "application/csv", "text/plain"})


@router.post(
    "/accounts",
    response_model=AccountDetail,
    status_code=status.HTTP_201_CREATED,
    summary="Agregar una cuenta al inventario",
    responses=problem_responses(401, 403, 409),
)
async def add_account(
    body: AccountCreate, request: Request, session: DbSession, principal: Writer
) -> AccountDetail:
    catalog_service = await repository.get_service(session, body.service_id)
    if catalog_service is None:
        raise _invalid("#/serviceId", "unknown_service", N_("No catalog service has this id."))
    if body.profiles is not None and body.profile_count is not None:
        raise _invalid(
            "#/profileCount",
            "profiles_and_count",
            N_("Send either profiles or profileCount, not both."),
        )
    named = (
        [ProfileSpec(profile.name, profile.pin) for profile in body.profiles]
        if body.profiles is not None
        else None
    )
    planned = plan_profiles(
        named,
        body.profile_count,
        service_name=catalog_service.name,
        per_account=catalog_service.profiles_per_account,
        locale=request_locale(request),
    )
    if isinstance(planned, RuleViolation):
        pointer = "#/profileCount" if body.profile_count is not None else "#/profiles"
        raise _invalid(pointer, planned.code, planned.message, **planned.params)
    new = service.NewAccount(
        catalog_service, body.login, body.password, planned, body.notes, body.paid_until
    )
    account = await service.add_account(session, _master_key(request), new)
    return await _detail(session, account)


@router.post(
    "/accounts/import",
    response_model=ImportReport,
    summary="Importar cuentas desde un archivo CSV (hasta 20 MiB)",
    description="Columnas: servicio, usuario, contrasena, perfiles, pines, notas, "
    "pagado_hasta (o sus nombres en inglés). Separador coma o punto y coma, UTF-8 con o sin "
    "BOM. Las filas válidas se guardan; cada fila rechazada se informa con su número, "
    "columna y regla. Con dryRun=true solo se valida.",
    responses=problem_responses(401, 403, 409),
    openapi_extra={
        "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}
    },
)
async def import_accounts(
    request: Request,
    session: DbSession,
    principal: Writer,
    dry_run: Annotated[bool, Query(alias="dryRun", description="Validar sin guardar nada")] = False,
) -> ImportReport:
    _require_csv(request)
    body = await request.body()
    return await csv_import.import_accounts(
        session, _master_key(request), body, dry_run=dry_run, locale=request_locale(request)
    )


@router.get(
    "/accounts",
    response_model=Page[AccountOut],
    summary="Listar cuentas del inventario (las más antiguas primero)",
    responses=problem_responses(401, 403),
)
async def list_accounts(
    request: Request,
    session: DbSession,
    principal: Reader,
    pages: Pages,
    service_id: Annotated[uuid.UUID | None, Query(alias="serviceId")] = None,
    state: Annotated[AccountState | None, Query()] = None,
    has_free_profiles: Annotated[
        bool | None, Query(alias="hasFreeProfiles", description="true: con perfiles libres")
    ] = None,
) -> Page[AccountOut]:
    statement = repository.accounts_query(
        service_id=service_id,
        state=state.value if state else None,
        has_free_profiles=has_free_profiles,
    )
    rows, next_link = await paginate(
        session,
        statement,
        key_columns=[ServiceAccount.created_at, ServiceAccount.id],
        params=pages,
        request=request,
    )
    return Page[AccountOut](items=[_summary(account) for account in rows], next=next_link)


@router.get(
    "/accounts/{account_id}",
    response_model=AccountDetail,
    summary="Detalle de una cuenta con sus perfiles (sin credenciales)",
    responses=problem_responses(401, 403, 404),
)
async def get_account(
    account_id: uuid.UUID, session: DbSession, principal: Reader
) -> AccountDetail:
    return await _detail(session, await service.get_account(session, account_id))


@router.post(
    "/accounts/{account_id}/state",
    response_model=AccountDetail,
    summary="Cambiar el estado: available, maintenance, blocked o retired",
    responses=problem_responses(401, 403, 404, 409),
)
async def change_state(
    account_id: uuid.UUID, body: StateChange, session: DbSession, principal: Writer
) -> AccountDetail:
    account = await service.change_state(session, account_id, body.state)
    return await _detail(session, account)


@router.post(
    "/accounts/{account_id}/reveal",
    response_model=RevealedCredentials,
    summary="Mostrar las credenciales (queda registrado en la auditoría con el motivo)",
    responses=problem_responses(401, 403, 404),
)
async def reveal_credentials(
    account_id: uuid.UUID,
    body: RevealRequest,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Revealer,
) -> RevealedCredentials:
    settings = request.app.state.settings
    account, login, password, profiles = await service.reveal_credentials(
        session,
        _master_key(request),
        account_id,
        principal=principal,
        reason=body.reason,
        ip_address=client_ip(request, settings.trusted_proxies),
        request_id=getattr(request.state, "request_id", None),
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return RevealedCredentials(
        account_id=account.id,
        login=login,
        password=password,
        profiles=[
            RevealedProfile(id=profile.id, name=profile.name, pin=pin) for profile, pin in profiles
        ],
    )


@router.post(
    "/accounts/{account_id}/rotate",
    response_model=AccountDetail,
    summary="Registrar contraseña y PIN nuevos; lo que estaba en mantenimiento vuelve a venta",
    responses=problem_responses(401, 403, 404, 409),
)
async def rotate_credentials(
    account_id: uuid.UUID,
    body: RotateRequest,
    request: Request,
    session: DbSession,
    principal: Writer,
) -> AccountDetail:
    account = await service.rotate_credentials(
        session,
        _master_key(request),
        account_id,
        password=body.password,
        pins=[(profile.id, profile.pin) for profile in body.profiles],
    )
    return await _detail(session, account)


@router.get(
    "/stock",
    response_model=StockSummary,
    summary="Existencias por servicio y unidades pagadas que esperan cuenta",
    responses=problem_responses(401, 403),
)
async def get_stock(request: Request, session: DbSession, principal: Reader) -> StockSummary:
    threshold = request.app.state.settings.inventory_low_stock_threshold
    return await stock_summary(session, threshold=threshold)


def _summary(account: ServiceAccount) -> AccountOut:
    return AccountOut.model_validate(_account_fields(account))


async def _detail(session: Any, account: ServiceAccount) -> AccountDetail:
    profiles = await repository.list_profiles(session, account.id)
    return AccountDetail.model_validate(
        {
            **_account_fields(account),
            "profiles": [
                ProfileOut(
                    id=profile.id,
                    position=profile.position,
                    name=profile.name,
                    state=profile.state,
                    has_pin=profile.pin_ciphertext is not None,
                    subscription_id=profile.subscription_id,
                )
                for profile in profiles
            ],
        }
    )


def _account_fields(account: ServiceAccount) -> dict[str, Any]:
    return {
        "id": account.id,
        "service_id": account.service_id,
        "login_hint": account.login_hint,
        "state": account.state,
        "profile_count": account.profile_count,
        "free_profiles": account.free_profiles,
        "notes": account.notes,
        "paid_until": business_date(account.paid_until) if account.paid_until else None,
        "state_changed_at": account.state_changed_at,
        "created_at": account.created_at,
        "updated_at": account.updated_at,
    }


def _master_key(request: Request) -> str:
    return str(request.app.state.settings.secret("encryption_key"))


def _require_csv(request: Request) -> None:
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type not in CSV_MEDIA_TYPES:
        raise UnsupportedMediaTypeError(
            params={"expected": "text/csv", "received": media_type or "-"}
        )


def _invalid(pointer: str, code: str, message: str, **params: object) -> InvalidInventoryDataError:
    return InvalidInventoryDataError(
        params={"count": 1},
        errors=[FieldError(code=code, message=message, pointer=pointer, params=params)],
    )
