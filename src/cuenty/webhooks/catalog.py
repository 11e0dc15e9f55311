"""The events integrators can subscribe to, with what each one means.

Every event's `data` is the resource as the public API shows it, never credentials.
"""

from __future__ import annotations

from cuenty.kit.i18n import N_

EVENT_TYPES: dict[str, str] = {
    "order.created": N_("An order was placed and its payment instructions were issued."),
    "order.paid": N_("An order's payment was matched to the order."),
    "order.cancelled": N_("An order was cancelled before it was paid or delivered."),
    "payment.received": N_("A SPEI or CoDi payment arrived from the bank."),
    "payment.reconciled": N_("A payment was reconciled against a bank statement."),
    "payment.returned": N_("A payment was returned to the payer."),
    "subscription.activated": N_("A subscription started and its account was delivered."),
    "subscription.expiring": N_("A subscription ends soon; a renewal reminder was sent."),
    "subscription.expired": N_("A subscription ended without renewal."),
    "subscription.renewed": N_("A subscription was renewed for another period."),
    "subscription.cancelled": N_("A subscription was cancelled."),
    "user.created": N_("A customer account was created."),
    "compliance.request_created": N_("A privacy (ARCO) request was received."),
    "compliance.request_completed": N_("A privacy (ARCO) request was answered and carried out."),
}

# Sent only by `POST /v1/webhooks/{id}/test`; no endpoint subscribes to it.
TEST_EVENT = "webhook.test"
# Published when an endpoint is disabled, for the notifications package to notify its owner.
ENDPOINT_DISABLED_EVENT = "webhooks.endpoint_disabled"
