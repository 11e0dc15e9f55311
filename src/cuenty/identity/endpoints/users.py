"""Routes under /v1/users: the signed-in user's profile and staff administration."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, Request

from cuenty.identity import contacts, profile, service
from cuenty.identity.endpoints.common import Admin, Context, SignedIn, Staff, user_out
from cuenty.identity.models import Role, User
from cuenty.identity.schemas import (
    ResendContactRequest,
    RoleChange,
    UpdateMeRequest,
    UserOut,
    VerifyContactRequest,
)
from cuenty.kit.api import api_router, problem_responses
from cuenty.kit.deps import DbSession
from cuenty.kit.pagination import Page, PageParams, page_params, paginate

router = api_router(prefix="/v1/users", tags=["auth"])


@router.get("/me", response_model=UserOut, summary="Mi perfil", responses=problem_responses(401))
async def me(session: DbSession, principal: SignedIn) -> UserOut:
    return user_out(await service.load_principal_user(session, principal))


@router.patch(
    "/me",
    response_model=UserOut,
    summary="Actualizar mi perfil; un correo o celular nuevo queda pendiente hasta verificarlo",
    responses=problem_responses(401, 409, 429),
)
async def update_me(
    body: UpdateMeRequest, session: DbSession, ctx: Context, principal: SignedIn
) -> UserOut:
    user = await service.load_principal_user(session, principal)
    return user_out(await profile.update_me(session, ctx, user, body))


@router.post(
    "/me/verify-contact",
    response_model=UserOut,
    summary="Confirmar un correo o celular nuevo con el código recibido",
    responses=problem_responses(400, 401, 409, 429),
)
async def verify_contact(
    body: VerifyContactRequest, session: DbSession, ctx: Context, principal: SignedIn
) -> UserOut:
    user = await service.load_principal_user(session, principal)
    return user_out(await contacts.verify_contact(session, ctx, user, body.channel, body.code))


@router.post(
    "/me/verify-contact/resend",
    status_code=202,
    summary="Reenviar el código al correo o celular pendiente de verificar",
    responses=problem_responses(401, 409, 429),
)
async def resend_contact_code(
    body: ResendContactRequest, session: DbSession, ctx: Context, principal: SignedIn
) -> dict[str, bool]:
    user = await service.load_principal_user(session, principal)
    await contacts.resend_contact_code(session, ctx, user, body.channel)
    return {"sent": True}


@router.get(
    "",
    response_model=Page[UserOut],
    summary="Buscar usuarios (personal)",
    responses=problem_responses(401, 403),
)
async def list_users(
    request: Request,
    session: DbSession,
    principal: Staff,
    params: Annotated[PageParams, Depends(page_params)],
    q: Annotated[str | None, Query(max_length=100, description="Nombre, correo o celular")] = None,
    role: Annotated[Role | None, Query()] = None,
) -> Page[UserOut]:
    rows, next_link = await paginate(
        session,
        profile.user_search(q, role),
        key_columns=(User.created_at, User.id),
        params=params,
        request=request,
        descending=True,
    )
    return Page[UserOut](items=[user_out(row) for row in rows], next=next_link)


@router.get(
    "/{user_id}",
    response_model=UserOut,
    summary="Ver un usuario (personal)",
    responses=problem_responses(401, 403, 404),
)
async def get_user(user_id: uuid.UUID, session: DbSession, principal: Staff) -> UserOut:
    return user_out(await service.load_user(session, user_id))


@router.put(
    "/{user_id}/role",
    response_model=UserOut,
    summary="Cambiar el rol de un usuario (admin)",
    responses=problem_responses(401, 403, 404),
)
async def change_role(
    user_id: uuid.UUID, body: RoleChange, session: DbSession, ctx: Context, principal: Admin
) -> UserOut:
    return user_out(await profile.change_role(session, ctx, principal, user_id, body.role))


@router.post(
    "/{user_id}/disable",
    response_model=UserOut,
    summary="Desactivar un usuario; cierra sus sesiones y revoca sus llaves (admin)",
    responses=problem_responses(401, 403, 404),
)
async def disable_user(
    user_id: uuid.UUID, session: DbSession, ctx: Context, principal: Admin
) -> UserOut:
    return user_out(await profile.set_active(session, ctx, principal, user_id, active=False))


@router.post(
    "/{user_id}/enable",
    response_model=UserOut,
    summary="Reactivar un usuario (admin)",
    responses=problem_responses(401, 403, 404),
)
async def enable_user(
    user_id: uuid.UUID, session: DbSession, ctx: Context, principal: Admin
) -> UserOut:
    return user_out(await profile.set_active(session, ctx, principal, user_id, active=True))
