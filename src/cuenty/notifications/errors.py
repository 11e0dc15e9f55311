"""Errors of the notifications API, each a problem response with a stable code."""

from __future__ import annotations

from cuenty.kit.errors import ForbiddenError, NotFoundError, ProblemError
from cuenty.kit.i18n import N_


class InvalidNotificationError(ProblemError):
    status = 422
    code = "invalid_notification"
    title = N_("Notification not accepted")
    detail = N_("The notification cannot be sent as requested; errors explain why.")


class RecipientNotFoundError(NotFoundError):
    code = "recipient_not_found"
    title = N_("Recipient not found")
    detail = N_("No user with id {id} exists.")


class PushSubscriptionNotFoundError(NotFoundError):
    code = "push_subscription_not_found"
    title = N_("Push subscription not found")
    detail = N_("No push subscription with id {id} exists for this account.")


class InvalidPushSubscriptionError(ProblemError):
    status = 422
    code = "invalid_push_subscription"
    title = N_("Push subscription not accepted")
    detail = N_("The push subscription cannot be used; errors explain why.")


class InvalidCallbackSignatureError(ForbiddenError):
    code = "invalid_callback_signature"
    title = N_("Invalid signature")
    detail = N_("The callback signature is missing or does not match this request.")


class CallbackNotConfiguredError(NotFoundError):
    code = "callback_not_configured"
    title = N_("Callback not configured")
    detail = N_("Status callbacks from {provider} are not configured on this platform.")
