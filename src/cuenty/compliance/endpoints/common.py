"""Dependencies shared by the compliance routers: who may call, and the request context."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.compliance import repository
from cuenty.compliance.context import ComplianceContext, request_context
from cuenty.compliance.errors import ConsentTitularOnlyError, DataRequestNotFoundError
from cuenty.compliance.models import DataRequest
from cuenty.identity.access import Principal, require_access
from cuenty.identity.models import Role
from cuenty.kit.errors import ForbiddenError
from cuenty.kit.i18n import N_

OFFICER_ROLES = (Role.COMPLIANCE_OFFICER.value,)

# Module-level so tests can override them through app.dependency_overrides. Customer routes
# name no scope, so API keys cannot use them: privacy requests act for a person.
require_signed_in = require_access()
require_officer = require_access(roles=OFFICER_ROLES)
# Reads of the queue, the register, the report and the check also accept an officer's API
# key with the `compliance:read` scope, for reporting tools; changes need a person's token.
require_officer_read = require_access(roles=OFFICER_ROLES, scopes=("compliance:read",))
SignedIn = Annotated[Principal, Depends(require_signed_in)]
Officer = Annotated[Principal, Depends(require_officer)]
OfficerReader = Annotated[Principal, Depends(require_officer_read)]


def is_officer(principal: Principal) -> bool:
    return principal.is_admin or principal.role in OFFICER_ROLES


def context(request: Request, principal: Principal) -> ComplianceContext:
    return request_context(request, principal)


def subject_of(principal: Principal, user_id: uuid.UUID | None) -> uuid.UUID:
    """Return whose data a body names: a customer may name only themself (403 otherwise)."""
    assert principal.user_id is not None
    if user_id is None or user_id == principal.user_id:
        return principal.user_id
    if is_officer(principal):
        return user_id
    raise ForbiddenError(N_("You can file and read privacy requests only for yourself."))


def titular_of(principal: Principal, user_id: uuid.UUID | None) -> uuid.UUID:
    """Return the caller's own id for an act only the titular may do (403 for anyone else,
    the officer included)."""
    assert principal.user_id is not None
    if user_id is None or user_id == principal.user_id:
        return principal.user_id
    raise ConsentTitularOnlyError()


async def visible_request(
    session: AsyncSession, principal: Principal, request_id: uuid.UUID
) -> DataRequest:
    """Load a request the caller may see: their own, or any for the officer (404 otherwise)."""
    found = await repository.get_request(session, request_id)
    if found is None or not (is_officer(principal) or found.user_id == principal.user_id):
        raise DataRequestNotFoundError(params={"id": request_id})
    return found
