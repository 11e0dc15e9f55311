"""Routers of the compliance service, all under /v1/compliance."""

from cuenty.compliance.endpoints.consents import router as consents_router
from cuenty.compliance.endpoints.oversight import router as oversight_router
from cuenty.compliance.endpoints.requests import router as requests_router

__all__ = ["consents_router", "oversight_router", "requests_router"]
