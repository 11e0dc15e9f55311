"""Routes of a message: the channels to try for a user, in order, each with its address.

Phones are normalised to E.164 before use, an email address never goes to a phone channel,
and a message with secret fields goes only to an address its owner has verified.
"""

from __future__ import annotations

from dataclasses import dataclass

from cuenty.identity.models import User
from cuenty.mexico.phones import InvalidPhoneNumber, mask_phone, normalize_phone
from cuenty.notifications.models import PushSubscription

PHONE_CHANNELS = frozenset({"whatsapp", "sms"})
# After the preferred channel, the others in this order. Push never carries secrets and is
# tried only when a user asked for it.
FALLBACKS: dict[str, tuple[str, ...]] = {
    "whatsapp": ("whatsapp", "sms", "email"),
    "sms": ("sms", "whatsapp", "email"),
    "email": ("email", "whatsapp", "sms"),
    "push": ("push", "whatsapp", "email", "sms"),
}


@dataclass(frozen=True)
class Route:
    channel: str
    address: str
    push_keys: dict[str, str] | None = None

    @property
    def masked(self) -> str:
        return mask_address(self.channel, self.address)


class InvalidAddressError(ValueError):
    """Raised for an address that cannot be used on a channel."""


def check_address(channel: str, address: str) -> str:
    """Return the address in the form the channel sends to, or raise InvalidAddressError."""
    if channel in PHONE_CHANNELS:
        if "@" in address:
            raise InvalidAddressError(f"an email address cannot receive {channel} messages")
        try:
            return normalize_phone(address)
        except InvalidPhoneNumber as error:
            raise InvalidAddressError(str(error)) from error
    if channel == "email" and "@" not in address:
        raise InvalidAddressError("an email channel needs an email address")
    return address


def routes_for(
    user: User,
    *,
    requested: str | None,
    secret: bool,
    subscriptions: list[PushSubscription],
) -> list[Route]:
    """Return the routes to try in order. A requested channel is the only one tried."""
    order = (
        (requested,) if requested else FALLBACKS.get(user.delivery_channel, FALLBACKS["whatsapp"])
    )
    routes: list[Route] = []
    for channel in order:
        routes.extend(_routes_on(user, channel, secret, subscriptions))
    return routes


def mask_address(channel: str, address: str) -> str:
    if channel in PHONE_CHANNELS:
        return mask_phone(address)
    if channel == "email":
        name, _, domain = address.partition("@")
        return f"{name[:1]}***@{domain}"
    return address.split("/")[2] if address.count("/") >= 2 else "push"


def _routes_on(
    user: User, channel: str, secret: bool, subscriptions: list[PushSubscription]
) -> list[Route]:
    if channel in PHONE_CHANNELS:
        if not user.phone or (secret and user.phone_verified_at is None):
            return []
        try:
            return [Route(channel, check_address(channel, user.phone))]
        except InvalidAddressError:
            return []
    if channel == "email":
        if not user.email or (secret and user.email_verified_at is None):
            return []
        return [Route("email", user.email)]
    if channel == "push" and not secret:
        return [
            Route("push", item.endpoint, {"p256dh": item.p256dh, "auth": item.auth})
            for item in subscriptions
        ]
    return []
