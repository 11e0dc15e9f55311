"""Errors of subscriptions: unknown ones and changes their state does not allow."""

from __future__ import annotations

from cuenty.kit.errors import ConflictError, NotFoundError
from cuenty.kit.i18n import N_


class SubscriptionNotFoundError(NotFoundError):
    code = "subscription_not_found"
    title = N_("Subscription not found")
    detail = N_("No subscription with the id {id} exists.")


class SubscriptionStateError(ConflictError):
    code = "invalid_transition"
    title = N_("Not allowed in the current state")
    detail = N_("The subscription is {current} and cannot become {target}.")


class SubscriptionAlreadyInStateError(SubscriptionStateError):
    detail = N_("The subscription is already {current}.")


class RenewalNotAllowedError(ConflictError):
    code = "renewal_not_allowed"
    title = N_("Renewal not allowed")
    detail = N_(
        "A subscription that is {current} cannot be renewed; an ended subscription needs a "
        "new order."
    )


class PlanWithdrawnError(ConflictError):
    code = "plan_withdrawn"
    title = N_("Plan no longer sold")
    detail = N_("The plan of this subscription is no longer sold; choose a current plan.")
