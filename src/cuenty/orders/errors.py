"""Errors of orders: unknown orders and state changes the order's state does not allow."""

from __future__ import annotations

from cuenty.kit.errors import ConflictError, NotFoundError
from cuenty.kit.i18n import N_


class OrderNotFoundError(NotFoundError):
    code = "order_not_found"
    title = N_("Order not found")
    detail = N_("No order with the id {id} exists.")


class InvalidTransitionError(ConflictError):
    """409 carrying the order's current state, so a client can show it or reload."""

    code = "invalid_transition"
    title = N_("Not allowed in the current state")
    detail = N_("The order is {current} and cannot become {target}.")


class AlreadyInStateError(InvalidTransitionError):
    detail = N_("The order is already {current}.")
