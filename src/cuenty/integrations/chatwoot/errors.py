"""Errors of the Chatwoot webhook route, each a problem response with a stable code."""

from __future__ import annotations

from cuenty.kit.errors import ForbiddenError, NotFoundError
from cuenty.kit.i18n import N_


class ChatwootNotConfiguredError(NotFoundError):
    code = "chatwoot_not_configured"
    title = N_("Chatwoot not configured")
    detail = N_("The Chatwoot integration is not configured on this platform.")


class InvalidChatwootSignatureError(ForbiddenError):
    code = "invalid_chatwoot_signature"
    title = N_("Invalid signature")
    detail = N_("The webhook token or signature is missing, expired or does not match.")
