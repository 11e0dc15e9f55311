"""Names the customer portal shows for the API's state and type codes.

The API returns codes (`active`, `pending_payment`, `rectification`); these are the words a
customer reads for them, as message ids that templates translate with `_()`.
"""

from __future__ import annotations

from cuenty.kit.i18n import N_

SUBSCRIPTION_STATES = {
    "pending": N_("Waiting for an account"),
    "active": N_("Active"),
    "expiring": N_("About to expire"),
    "expired": N_("Ended"),
    "cancelled": N_("Will not renew"),
    "paused": N_("Paused"),
}

ORDER_STATES = {
    "pending_payment": N_("Waiting for payment"),
    "paid": N_("Paid"),
    "fulfilling": N_("Being prepared"),
    "delivered": N_("Delivered"),
    "cancelled": N_("Cancelled"),
    "expired": N_("Expired"),
    "refunded": N_("Refunded"),
}

# A payment request is cancelled when new details replace it or another one paid the order.
PAYMENT_STATES = {
    "pending": N_("Waiting for your transfer"),
    "partially_paid": N_("Part of the amount received"),
    "paid": N_("Payment received"),
    "expired": N_("Details expired"),
    "cancelled": N_("No longer in use"),
}

PAYMENT_METHODS = {"spei": "SPEI", "codi": "CoDi"}

REQUEST_TYPES = {
    "access": N_("Access to my data"),
    "rectification": N_("Correction of my data"),
    "deletion": N_("Cancellation of my data"),
    "opposition": N_("Opposition to a use of my data"),
}

REQUEST_STATES = {
    "received": N_("Received"),
    "identity_pending": N_("Checking your identity"),
    "info_requested": N_("We need more information"),
    "in_review": N_("In review"),
    "answered": N_("Answered"),
    "executing": N_("Being carried out"),
    "completed": N_("Completed"),
    "refused": N_("Refused"),
    "extended": N_("Deadline extended"),
    "withdrawn": N_("Withdrawn"),
}

# Completes the sentence "Answer: {decision}."
DECISIONS = {
    "granted": N_("request granted"),
    "refused": N_("request refused"),
    "no_data": N_("we hold no data of yours for it"),
}

# Purposes of the privacy notice, with the sentence a customer agrees to when granting one.
PURPOSES = {
    "terms_of_service": N_("Providing your subscriptions"),
    "financial_data": N_("Payment data (CLABE and SPEI transfers)"),
    "marketing": N_("Offers and promotions"),
    "analytics": N_("Measuring how the platform is used"),
    "automated_decisions": N_("Estimating the chance that you cancel"),
}
PURPOSE_DESCRIPTIONS = {
    "terms_of_service": N_("We use your data to deliver and support the subscriptions you buy."),
    "financial_data": N_(
        "We process your payment data (CLABE, SPEI transfers) to collect and refund payments."
    ),
    "marketing": N_("We send you offers and promotions."),
    "analytics": N_("We measure how you use the platform to improve it."),
    "automated_decisions": N_(
        "We estimate the chance that you cancel, to offer you something to stay."
    ),
}
# Purposes the service needs; the others are optional and refusing them never ends it.
PRIMARY_PURPOSES = ("terms_of_service", "financial_data")
# Purposes an opposition request may name.
OPPOSABLE_PURPOSES = ("marketing", "analytics", "automated_decisions")

CHANNELS = {"whatsapp": "WhatsApp", "sms": "SMS", "email": N_("Email"), "push": N_("Push")}

NOTIFICATION_STATES = {
    "queued": N_("Queued"),
    "deferred": N_("Waiting to be sent"),
    "sent": N_("Sent"),
    "delivered": N_("Delivered"),
    "read": N_("Read"),
    "failed": N_("Failed"),
    "suppressed": N_("Not sent"),
}

NOTIFICATION_PURPOSES = {
    "transactional": N_("About your orders"),
    "security": N_("Security"),
    "marketing": N_("Offers"),
}
