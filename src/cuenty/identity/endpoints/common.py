"""Helpers shared by the identity routers: dependencies and model conversions."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from cuenty.identity.access import Principal, optional_user, require_access
from cuenty.identity.context import IdentityContext, identity_context
from cuenty.identity.models import User
from cuenty.identity.schemas import Tokens, UserOut
from cuenty.identity.sessions import TokenPair

Context = Annotated[IdentityContext, Depends(identity_context)]
ALL_ROLES = ("customer", "support", "operations", "compliance_officer", "admin")

# Signed in with an access token; API keys are not accepted on account routes.
SignedIn = Annotated[Principal, Depends(require_access(roles=ALL_ROLES))]
MaybeSignedIn = Annotated[Principal | None, Depends(optional_user)]
Admin = Annotated[Principal, Depends(require_access(roles=("admin",)))]
# Reading accounts: support and operations serve customers, the compliance officer handles
# ARCO requests about them.
Staff = Annotated[
    Principal,
    Depends(
        require_access(
            roles=("support", "operations", "compliance_officer", "admin"), scopes=("users:read",)
        )
    ),
]


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        name=user.name,
        email=user.email,
        phone=user.phone,
        role=user.role,
        postal_code=user.postal_code,
        delivery_channel=user.delivery_channel,
        locale=user.locale,
        email_verified=user.email_verified_at is not None,
        phone_verified=user.phone_verified_at is not None,
        two_factor_enabled=user.two_factor_enabled_at is not None,
        pending_email=user.pending_email,
        pending_phone=user.pending_phone,
        is_active=user.is_active,
        created_at=user.created_at,
    )


def tokens_out(pair: TokenPair) -> Tokens:
    return Tokens(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )
