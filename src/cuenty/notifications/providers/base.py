"""Input and errors of every provider: one rendered message to one address, and failures
marked permanent (trying again cannot help) or temporary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

# Characters of a provider's error response kept in the delivery log.
ERROR_TEXT_CHARS = 300


@dataclass(frozen=True)
class OutgoingMessage:
    """A rendered message. `body` contains secrets in clear and is never stored; the
    development provider and the log keep `masked_body`."""

    notification_id: str
    channel: str
    address: str
    template: str
    locale: str
    subject: str
    body: str
    masked_body: str
    # WhatsApp template parameters, in order (secrets in clear).
    parameters: list[str] = field(default_factory=list)
    # Web Push only: the subscription's keys (`p256dh`, `auth`).
    push_keys: dict[str, str] | None = None


class ProviderError(Exception):
    """Raised when a provider did not accept a message.

    `permanent`: the same request will fail again (a 4xx such as an invalid number), so the
    next channel is tried. Otherwise the job retries; `retry_after` is the provider's wait.
    """

    def __init__(self, message: str, *, permanent: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


class Provider(Protocol):
    name: str

    async def send(self, message: OutgoingMessage, session: AsyncSession) -> str:
        """Send the message and return the provider's message id, or raise ProviderError."""
        ...


def check_response(provider: str, response: httpx.Response) -> None:
    """Raise ProviderError unless the response is a 2xx.

    429 and 5xx are temporary (429 keeps `Retry-After` in seconds); any other 4xx is permanent.
    """
    status = response.status_code
    if 200 <= status < 300:
        return
    text = f"{provider} responded HTTP {status}: {response.text[:ERROR_TEXT_CHARS]}"
    if status == 429:
        raise ProviderError(text, permanent=False, retry_after=retry_after_seconds(response))
    if status >= 500 or status == 408:
        raise ProviderError(text, permanent=False)
    raise ProviderError(text, permanent=True)


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Return `Retry-After` in seconds when it is a number; an HTTP date is ignored."""
    value = response.headers.get("retry-after", "").strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None


def network_error(provider: str, error: Exception) -> ProviderError:
    return ProviderError(
        f"{provider} unreachable: {type(error).__name__}: {error}", permanent=False
    )


def http_client(timeout_seconds: float, **options: Any) -> httpx.AsyncClient:
    # trust_env off: an HTTP(S)_PROXY variable must not send provider tokens elsewhere.
    return httpx.AsyncClient(timeout=httpx.Timeout(timeout_seconds), trust_env=False, **options)
