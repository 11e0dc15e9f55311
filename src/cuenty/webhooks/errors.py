"""Errors of the webhooks API, each a problem response with a stable code."""

from __future__ import annotations

from cuenty.kit.errors import ConflictError, NotFoundError, ProblemError
from cuenty.kit.i18n import N_


class WebhookNotFoundError(NotFoundError):
    code = "webhook_not_found"
    title = N_("Webhook endpoint not found")
    detail = N_("No webhook endpoint with id {id} exists for this account.")


class WebhookDeliveryNotFoundError(NotFoundError):
    code = "webhook_delivery_not_found"
    title = N_("Webhook delivery not found")
    detail = N_("No delivery with id {id} exists for this webhook endpoint.")


class InvalidWebhookUrlError(ProblemError):
    status = 422
    code = "invalid_webhook_url"
    title = N_("Webhook URL not accepted")
    detail = N_("The webhook URL cannot be used; errors explain why.")


class UnknownEventTypeError(ProblemError):
    status = 422
    code = "unknown_event_type"
    title = N_("Unknown event type")
    detail = N_(
        "{count} event type(s) are not in the catalogue; GET /v1/webhooks/event-types lists them."
    )


class WebhookEndpointDisabledError(ConflictError):
    code = "webhook_endpoint_disabled"
    title = N_("Webhook endpoint disabled")
    detail = N_(
        "The endpoint {id} is disabled; enable it with PATCH and enabled true before sending to it."
    )
