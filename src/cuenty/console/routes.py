"""Every route of the web console, mounted by the admin service."""

from __future__ import annotations

from fastapi import APIRouter

from cuenty.console import static_files
from cuenty.console.pages import (
    customer_auth,
    dashboard,
    inventory,
    inventory_intake,
    inventory_reveal,
    jobs,
    not_found,
    orders,
    portal_notifications,
    portal_payments,
    portal_privacy,
    portal_requests,
    portal_subscriptions,
    privacy,
    privacy_requests,
    reconciliation,
    staff_auth,
    webhooks,
)

router = APIRouter(include_in_schema=False)
for module in (
    static_files,
    staff_auth,
    customer_auth,
    dashboard,
    orders,
    reconciliation,
    inventory,
    inventory_intake,
    inventory_reveal,
    privacy,
    privacy_requests,
    jobs,
    webhooks,
    portal_subscriptions,
    portal_payments,
    portal_privacy,
    portal_requests,
    portal_notifications,
    not_found,
):
    router.include_router(module.router)
