"""Routes under /v1/api-keys: create (the key is shown once), list and revoke."""

from __future__ import annotations

import uuid

from fastapi import Response, status

from cuenty.identity import api_keys, audit, service
from cuenty.identity.endpoints.common import Context, SignedIn
from cuenty.identity.models import ApiKey
from cuenty.identity.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut
from cuenty.kit.api import api_router, problem_responses
from cuenty.kit.deps import DbSession

router = api_router(prefix="/v1/api-keys", tags=["auth"])


@router.post(
    "",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Crear una llave de API con alcances (scopes); la llave se muestra una sola vez",
    responses=problem_responses(401, 403),
)
async def create_key(
    body: ApiKeyCreate, session: DbSession, ctx: Context, principal: SignedIn
) -> ApiKeyCreated:
    owner = await service.load_principal_user(session, principal)
    key, clear = await api_keys.create_key(
        session,
        owner,
        name=body.name,
        scopes=body.scopes,
        expires_at=body.expires_at,
        environment=ctx.settings.api_key_environment,
        hmac_secret=ctx.settings.secret("api_key_hmac_secret"),
        now=ctx.now,
    )
    await audit.record(
        session,
        "api_key.created",
        actor_user_id=owner.id,
        subject_user_id=owner.id,
        api_key_id=str(key.id),
        scopes=key.scopes,
        request_id=ctx.client.request_id,
    )
    return ApiKeyCreated(**_key_out(key).model_dump(), key=clear)


@router.get(
    "",
    response_model=list[ApiKeyOut],
    summary="Mis llaves de API activas",
    responses=problem_responses(401),
)
async def list_keys(session: DbSession, principal: SignedIn) -> list[ApiKeyOut]:
    assert principal.user_id is not None
    rows = await api_keys.list_keys(session, principal.user_id)
    return [_key_out(row) for row in rows]


@router.delete(
    "/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revocar una llave de API",
    responses=problem_responses(401, 404),
)
async def revoke_key(
    key_id: uuid.UUID, session: DbSession, ctx: Context, principal: SignedIn
) -> Response:
    key = await api_keys.revoke_key(session, principal, key_id, ctx.now)
    await audit.record(
        session,
        "api_key.revoked",
        actor_user_id=principal.user_id,
        subject_user_id=key.user_id,
        api_key_id=str(key.id),
        request_id=ctx.client.request_id,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _key_out(key: ApiKey) -> ApiKeyOut:
    return ApiKeyOut(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        scopes=list(key.scopes),
        created_at=key.created_at,
        expires_at=key.expires_at,
        last_used_at=key.last_used_at,
    )
