"""Notifications to customers and staff by WhatsApp, SMS, email and Web Push: templates per
locale, providers per channel, consent, pacing, fallback and a delivery log.

    from cuenty import notifications
    await notifications.send(session, user_id=user.id, template="payment_received",
                             context={"paymentId": ..., "orderId": ..., "amount": "299.00"})
"""

from cuenty.notifications.consent import MarketingConsent, register_backend
from cuenty.notifications.loaders import context_loader
from cuenty.notifications.service import send

__all__ = ["MarketingConsent", "context_loader", "register_backend", "send"]
