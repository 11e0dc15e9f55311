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
    privacy,
    privacy_requests,
    staff_auth,
    webhooks,
)

router = APIRouter(include_in_schema=False)
for module in (
    static_files,
    staff_auth,
    customer_auth,
    dashboard,
    inventory,
    inventory_intake,
    inventory_reveal,
    privacy,
    privacy_requests,
    jobs,
    webhooks,
):
    router.include_router(module.router)
