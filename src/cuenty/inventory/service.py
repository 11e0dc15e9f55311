"""Business rules of the account inventory: adding accounts, state changes, reveal and
rotation of credentials. Never commits: the request (or job) owns the transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.catalog.models import CatalogService
from cuenty.identity import audit
from cuenty.identity.access import Principal
from cuenty.inventory import repository
from cuenty.inventory.errors import (
    AccountInUseError,
    AccountNotFoundError,
    AccountRetiredError,
    DuplicateAccountError,
    IllegalStateChangeError,
    InvalidInventoryDataError,
    ProfilesInMaintenanceError,
)
from cuenty.inventory.models import AccountProfile, AccountState, ProfileState, ServiceAccount
from cuenty.inventory.rules import ProfileSpec
from cuenty.inventory.vault import (
    ACCOUNTS_TABLE,
    PROFILES_TABLE,
    Vault,
    login_digest,
    mask_login,
    open_pin,
)
from cuenty.kit import jobs
from cuenty.kit.clock import start_of_business_day, utc_now
from cuenty.kit.i18n import N_
from cuenty.kit.validation import FieldError

STOCK_AVAILABLE_EVENT = "inventory.stock_available"

# Changes staff may request; `assigned` is set only by allocation. Leaving `assigned`, or
# entering maintenance, blocked or retired, also needs no profile in use (checked apart).
ALLOWED_CHANGES: dict[str, frozenset[str]] = {
    AccountState.AVAILABLE.value: frozenset({"maintenance", "blocked", "retired"}),
    AccountState.ASSIGNED.value: frozenset({"maintenance", "blocked", "retired"}),
    AccountState.MAINTENANCE.value: frozenset({"available", "blocked", "retired"}),
    AccountState.BLOCKED.value: frozenset({"available", "maintenance", "retired"}),
    AccountState.RETIRED.value: frozenset(),
}

log = structlog.get_logger("cuenty.inventory")


@dataclass(frozen=True)
class NewAccount:
    """A validated account to store; its repr leaves out the credentials."""

    service: CatalogService
    login: str
    password: str
    profiles: list[ProfileSpec]
    notes: str = ""
    paid_until: date | None = None

    def __repr__(self) -> str:
        return f"NewAccount(service={self.service.id}, profiles={len(self.profiles)})"


async def add_account(session: AsyncSession, master_key: str, new: NewAccount) -> ServiceAccount:
    """Store one account with its profiles and announce the new stock.

    Raises DuplicateAccountError when the service already has this login.
    """
    digest = login_digest(master_key, new.login)
    if await repository.login_digest_exists(session, new.service.id, digest):
        raise DuplicateAccountError()
    try:
        account = await store_account(session, Vault(session, master_key), new, digest)
        await session.flush()
    except IntegrityError as error:
        # A concurrent request stored the same login between the check and the insert.
        raise DuplicateAccountError() from error
    await publish_stock_available(session, new.service.id)
    log.info("inventory.account_added", account_id=str(account.id), service_id=str(new.service.id))
    return account


async def store_account(
    session: AsyncSession, vault: Vault, new: NewAccount, digest: str
) -> ServiceAccount:
    """Encrypt and add an account and its profiles to the session, without duplicate checks.

    Raises IntegrityError when the login is already stored for the service.
    """
    account_id = uuid.uuid4()
    key_id = await vault.active_key_id()
    account = ServiceAccount(
        id=account_id,
        service_id=new.service.id,
        login_digest=digest,
        login_ciphertext=await vault.seal_with(
            key_id, ACCOUNTS_TABLE, account_id, "login", new.login
        ),
        password_ciphertext=await vault.seal_with(
            key_id, ACCOUNTS_TABLE, account_id, "password", new.password
        ),
        key_id=key_id,
        login_hint=mask_login(new.login),
        state=AccountState.AVAILABLE.value,
        profile_count=len(new.profiles),
        free_profiles=len(new.profiles),
        notes=new.notes,
        paid_until=start_of_business_day(new.paid_until) if new.paid_until else None,
    )
    session.add(account)
    # The tables have no ORM relationship, so the account row must exist before its profiles.
    await session.flush()
    for position, spec in enumerate(new.profiles, start=1):
        profile_id = uuid.uuid4()
        pin = spec.pin
        session.add(
            AccountProfile(
                id=profile_id,
                account_id=account_id,
                position=position,
                name=spec.name,
                pin_ciphertext=(
                    await vault.seal_with(key_id, PROFILES_TABLE, profile_id, "pin", pin)
                    if pin
                    else None
                ),
                key_id=key_id if pin else None,
                state=ProfileState.AVAILABLE.value,
            )
        )
    return account


async def get_account(
    session: AsyncSession, account_id: uuid.UUID, *, for_update: bool = False
) -> ServiceAccount:
    account = await repository.get_account(session, account_id, for_update=for_update)
    if account is None:
        raise AccountNotFoundError(params={"id": account_id})
    return account


async def change_state(
    session: AsyncSession, account_id: uuid.UUID, requested: str
) -> ServiceAccount:
    """Apply a state change requested by staff, or raise a 409 naming the rule."""
    account = await get_account(session, account_id, for_update=True)
    current = account.state
    if requested not in ALLOWED_CHANGES.get(current, frozenset()):
        raise IllegalStateChangeError(
            params={"current": current, "requested": requested},
            extra={"currentState": current},
        )
    if requested != AccountState.AVAILABLE.value:
        await _require_unused(session, account, requested)
    else:
        in_maintenance = await repository.count_profiles_in_state(
            session, account.id, ProfileState.MAINTENANCE
        )
        if in_maintenance:
            raise ProfilesInMaintenanceError(
                params={"count": in_maintenance}, extra={"currentState": current}
            )

    account.state = requested
    account.state_changed_at = utc_now()
    await session.flush()
    if requested == AccountState.AVAILABLE.value and account.free_profiles > 0:
        await publish_stock_available(session, account.service_id)
    log.info(
        "inventory.account_state_changed",
        account_id=str(account.id),
        from_state=current,
        to_state=requested,
    )
    return account


async def reveal_credentials(
    session: AsyncSession,
    master_key: str,
    account_id: uuid.UUID,
    *,
    principal: Principal,
    reason: str,
    ip_address: str | None,
    request_id: str | None,
) -> tuple[ServiceAccount, str, str, list[tuple[AccountProfile, str | None]]]:
    """Decrypt an account's credentials for staff and write who, which and why to the audit log."""
    account = await get_account(session, account_id)
    vault = Vault(session, master_key)
    login = await vault.open(ACCOUNTS_TABLE, account.id, "login", account.login_ciphertext)
    password = await vault.open(ACCOUNTS_TABLE, account.id, "password", account.password_ciphertext)
    profiles = [
        (profile, await open_pin(vault, profile))
        for profile in await repository.list_profiles(session, account.id)
    ]
    await audit.record(
        session,
        "inventory.credentials_revealed",
        actor_user_id=principal.user_id,
        actor_api_key_id=principal.api_key_id,
        ip_address=ip_address,
        request_id=request_id,
        account_id=str(account.id),
        service_id=str(account.service_id),
        reason=reason,
    )
    return account, login, password, profiles


async def rotate_credentials(
    session: AsyncSession,
    master_key: str,
    account_id: uuid.UUID,
    *,
    password: str | None,
    pins: list[tuple[uuid.UUID, str | None]],
) -> ServiceAccount:
    """Set new credentials after staff changed them at the provider, and free what waited.

    A profile in maintenance returns to available when it is listed in `pins`, or when it has
    no PIN and the password changed. Raises AccountRetiredError for a retired account, and
    InvalidInventoryDataError for an empty request or a profile id of another account.
    """
    account = await get_account(session, account_id, for_update=True)
    if account.state == AccountState.RETIRED.value:
        raise AccountRetiredError(extra={"currentState": account.state})
    profiles = await repository.list_profiles(session, account.id)
    _check_rotation_request(password, pins, {profile.id for profile in profiles})
    new_pins = dict(pins)
    vault = Vault(session, master_key)
    key_id = await vault.active_key_id()

    if password is not None:
        login = await vault.open(ACCOUNTS_TABLE, account.id, "login", account.login_ciphertext)
        # Both ciphertexts share the row's key id, so the login is re-sealed with the password.
        account.login_ciphertext = await vault.seal_with(
            key_id, ACCOUNTS_TABLE, account.id, "login", login
        )
        account.password_ciphertext = await vault.seal_with(
            key_id, ACCOUNTS_TABLE, account.id, "password", password
        )
        account.key_id = key_id
    freed = 0
    for profile in profiles:
        listed = profile.id in new_pins
        new_pin = new_pins.get(profile.id)
        if new_pin is not None:
            profile.pin_ciphertext = await vault.seal_with(
                key_id, PROFILES_TABLE, profile.id, "pin", new_pin
            )
            profile.key_id = key_id
        releasable = listed or (password is not None and profile.pin_ciphertext is None)
        if profile.state == ProfileState.MAINTENANCE.value and releasable:
            profile.state = ProfileState.AVAILABLE.value
            freed += 1

    previous_state = account.state
    _settle_after_rotation(account, profiles)
    await session.flush()
    became_available = previous_state != account.state == AccountState.AVAILABLE.value
    if account.state == AccountState.AVAILABLE.value and (freed or became_available):
        await publish_stock_available(session, account.service_id)
    log.info(
        "inventory.credentials_rotated",
        account_id=str(account.id),
        password_changed=password is not None,
        pins_changed=sum(1 for pin in new_pins.values() if pin is not None),
        profiles_freed=freed,
        state=account.state,
    )
    return account


async def publish_stock_available(session: AsyncSession, service_id: uuid.UUID) -> None:
    """Tell subscribers (orders waiting for stock) that this service has assignable units."""
    await jobs.publish(session, STOCK_AVAILABLE_EVENT, {"serviceId": str(service_id)})


async def _require_unused(session: AsyncSession, account: ServiceAccount, requested: str) -> None:
    assignments = await repository.count_profiles_in_state(
        session, account.id, ProfileState.ASSIGNED
    )
    if not assignments and account.state == AccountState.ASSIGNED.value:
        # A whole-account sale may mark only the account, not each profile.
        assignments = 1
    if assignments:
        raise AccountInUseError(
            params={"current": account.state, "assignments": assignments, "requested": requested},
            extra={"currentState": account.state, "activeAssignments": assignments},
        )


def _settle_after_rotation(account: ServiceAccount, profiles: list[AccountProfile]) -> None:
    """Recompute free profiles and move an account that waited for rotation back to stock."""
    free = sum(1 for profile in profiles if profile.state == ProfileState.AVAILABLE.value)
    assigned = sum(1 for profile in profiles if profile.state == ProfileState.ASSIGNED.value)
    account.free_profiles = free
    if account.state not in (AccountState.MAINTENANCE.value, AccountState.ASSIGNED.value):
        return
    if free > 0:
        new_state = AccountState.AVAILABLE.value
    elif assigned > 0:
        new_state = AccountState.ASSIGNED.value
    else:
        new_state = account.state
    if new_state != account.state:
        account.state = new_state
        account.state_changed_at = utc_now()


def _check_rotation_request(
    password: str | None, pins: list[tuple[uuid.UUID, str | None]], own_ids: set[uuid.UUID]
) -> None:
    errors: list[FieldError] = []
    if password is None and not pins:
        errors.append(
            FieldError(
                code="nothing_to_rotate",
                message=N_("Send a new password, a list of profiles, or both."),
                pointer="#",
            )
        )
    seen: set[uuid.UUID] = set()
    for index, (profile_id, _) in enumerate(pins):
        if profile_id not in own_ids:
            errors.append(
                FieldError(
                    code="unknown_profile",
                    message=N_("This account has no profile with this id."),
                    pointer=f"#/profiles/{index}/id",
                )
            )
        elif profile_id in seen:
            errors.append(
                FieldError(
                    code="duplicate_profile",
                    message=N_("This profile is listed more than once."),
                    pointer=f"#/profiles/{index}/id",
                )
            )
        seen.add(profile_id)
    if errors:
        raise InvalidInventoryDataError(params={"count": len(errors)}, errors=errors)
