"""Names and badge tones of the state codes that the orders and payments API returns.

The API sends codes such as `pending_payment`. These maps give the message id that a page
shows for each code, and `tone` gives its badge class. Badges always show the text too, so
colour is never the only signal. A page shows a code missing here unchanged.
"""

from __future__ import annotations

from cuenty.kit.i18n import N_

ORDER_STATES = {
    "pending_payment": N_("Waiting for payment"),
    "paid": N_("Paid"),
    "fulfilling": N_("Being fulfilled"),
    "delivered": N_("Delivered"),
    "cancelled": N_("Cancelled"),
    "expired": N_("Expired"),
    "refunded": N_("Refunded"),
}

PAYMENT_STATES = {
    "unpaid": N_("Unpaid"),
    "paid": N_("Paid"),
    "refunded": N_("Refunded"),
}

REQUEST_STATES = {
    "pending": N_("Pending"),
    "partially_paid": N_("Partially paid"),
    "paid": N_("Paid"),
    "expired": N_("Expired"),
    "cancelled": N_("Cancelled"),
}

TRANSFER_STATES = {
    "unmatched": N_("Waiting to be matched"),
    "matched": N_("Matched"),
    "review": N_("In review"),
    "returned": N_("Returned"),
}

TRANSFER_SOURCES = {
    "stp_notification": N_("STP notification"),
    "bank_notification": N_("Bank notification"),
    "statement": N_("Bank statement"),
    "stp_list": N_("STP deposit list"),
}

MATCH_RULES = {
    "clabe": N_("Order CLABE"),
    "reference_amount": N_("Reference and amount"),
    "amount_window": N_("Amount within the time window"),
    "manual": N_("By hand"),
}

CREDIT_STATES = {
    "available": N_("Available"),
    "void": N_("Void"),
}

ACTOR_TYPES = {
    "customer": N_("Customer"),
    "staff": N_("Staff"),
    "system": N_("System"),
    "job": N_("Scheduled job"),
}

PAYMENT_METHODS = {"spei": "SPEI", "codi": "CoDi"}

# Values of the statement upload's optional `bank` field, for formats that do not name
# their bank. The API checks the value and lists the banks it accepts when it rejects one.
STATEMENT_BANKS = (
    ("stp", "STP"),
    ("bbva", "BBVA"),
    ("santander", "Santander"),
    ("banorte", "Banorte"),
)

_TONES = {
    "paid": "ok",
    "delivered": "ok",
    "matched": "ok",
    "available": "ok",
    "pending_payment": "soon",
    "fulfilling": "soon",
    "pending": "soon",
    "partially_paid": "soon",
    "unpaid": "soon",
    "review": "soon",
    "unmatched": "soon",
    "cancelled": "overdue",
    "expired": "overdue",
    "refunded": "overdue",
    "returned": "overdue",
}


def tone(code: str | None) -> str:
    """Return the badge class of a state code: ok, soon, overdue, or "" for a neutral badge."""
    return _TONES.get(code or "", "")


def template_labels() -> dict[str, object]:
    """Return the maps the order and reconciliation templates read, keyed by their names."""
    return {
        "order_states": ORDER_STATES,
        "payment_states": PAYMENT_STATES,
        "request_states": REQUEST_STATES,
        "transfer_states": TRANSFER_STATES,
        "transfer_sources": TRANSFER_SOURCES,
        "match_rules": MATCH_RULES,
        "credit_states": CREDIT_STATES,
        "actor_types": ACTOR_TYPES,
        "payment_methods": PAYMENT_METHODS,
        "statement_banks": STATEMENT_BANKS,
        "tone": tone,
    }
