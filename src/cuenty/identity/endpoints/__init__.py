"""HTTP routes of the auth service: sign-in and sessions, the user's profile, API keys."""

from cuenty.identity.endpoints.api_keys import router as api_keys_router
from cuenty.identity.endpoints.auth import router as auth_router
from cuenty.identity.endpoints.users import router as users_router

__all__ = ["api_keys_router", "auth_router", "users_router"]
