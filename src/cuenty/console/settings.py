"""Settings of the web console, read from `CUENTY_CONSOLE_*` environment variables and `.env`."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConsoleSettings(BaseSettings):
    """Each field is the variable `CUENTY_CONSOLE_<FIELD>`."""

    model_config = SettingsConfigDict(
        env_prefix="CUENTY_CONSOLE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    api_url: str | None = Field(
        default=None,
        description=(
            "Base URL of the API the console calls (the gateway, e.g. http://gateway). Unset, "
            "the console calls the API inside its own process, which needs every service "
            "mounted there, as `make run` does."
        ),
    )
    cookie_secure: bool | None = Field(
        default=None,
        description=(
            "Send the console's cookies only over HTTPS. Unset, they are Secure when "
            "CUENTY_PUBLIC_BASE_URL starts with https:// or the environment is production."
        ),
    )
    api_timeout_seconds: float = Field(
        default=15.0, gt=0, le=120, description="Time limit of each API call the console makes."
    )


def console_settings(state: Any) -> ConsoleSettings:
    """Return the settings set on an app's state, else the environment's."""
    found = getattr(state, "console_settings", None)
    if not isinstance(found, ConsoleSettings):
        found = ConsoleSettings()
        state.console_settings = found
    return found
