"""Every route of the web console, mounted by the admin service."""

from __future__ import annotations

from fastapi import APIRouter

from cuenty.console import static_files
from cuenty.console.pages import (
    customer_auth,
    portal_notifications,
    portal_payments,
    portal_privacy,
    portal_requests,
    portal_subscriptions,
    staff_auth,
)

router = APIRouter(include_in_schema=False)
for module in (
    static_files,
    staff_auth,
    customer_auth,
    portal_subscriptions,
    portal_payments,
    portal_privacy,
    portal_requests,
    portal_notifications,
):
    router.include_router(module.router)
