"""Every route of the web console, mounted by the admin service."""

from __future__ import annotations

from fastapi import APIRouter

from cuenty.console import static_files
from cuenty.console.pages import customer_auth, orders, reconciliation, staff_auth

router = APIRouter(include_in_schema=False)
for module in (static_files, staff_auth, customer_auth, orders, reconciliation):
    router.include_router(module.router)
