"""HTTP client of the Measurement Protocol: one POST per batch to `/mp/collect`, or to the
validation server `/debug/mp/collect`, with the API secret kept out of every log line.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from cuenty.analytics.ga4.settings import Ga4Settings

COLLECT_PATH = "/mp/collect"
VALIDATION_PATH = "/debug/mp/collect"
_SECRET_IN_QUERY = re.compile(r"(api_secret=)[^&\s\"']+")


@dataclass(frozen=True)
class SendResult:
    """Outcome of one request: the HTTP status, or the transport error when none came back."""

    status: int | None
    transport_error: str | None = None
    validation_messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        """5xx, 429, timeouts and connection errors are retried; other 4xx are not."""
        return self.status is None or self.status >= 500 or self.status == 429

    @property
    def failure_reason(self) -> str:
        if self.status is None:
            return self.transport_error or "transport"
        return f"http_{self.status // 100}xx"


async def send(
    body: dict[str, Any],
    settings: Ga4Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> SendResult:
    """POST one Measurement Protocol request; never raises for an HTTP or network failure."""
    path = VALIDATION_PATH if settings.use_validation_server else COLLECT_PATH
    query = {"measurement_id": settings.measurement_id, "api_secret": settings.secret()}
    content = json.dumps(body, default=_json_number, separators=(",", ":")).encode()
    try:
        async with httpx.AsyncClient(
            timeout=settings.timeout_seconds, transport=transport, follow_redirects=False
        ) as client:
            response = await client.post(
                settings.endpoint + path,
                params=query,
                content=content,
                headers={"Content-Type": "application/json"},
            )
    except httpx.TimeoutException:
        return SendResult(None, "timeout")
    except httpx.TransportError:
        return SendResult(None, "connection")
    messages = _validation_messages(response) if settings.use_validation_server else []
    return SendResult(response.status_code, validation_messages=messages)


def hide_secret(text: str) -> str:
    return _SECRET_IN_QUERY.sub(r"\1***", text)


def _json_number(value: Any) -> Any:
    if isinstance(value, Decimal):
        # At most 12 significant digits (Numeric(12, 2)): a double prints them back unchanged.
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _validation_messages(response: httpx.Response) -> list[dict[str, Any]]:
    try:
        document = response.json()
    except ValueError:
        return []
    messages = document.get("validationMessages") if isinstance(document, dict) else None
    return [item for item in messages or [] if isinstance(item, dict)]


class _HideApiSecret(logging.Filter):
    """Masks the API secret in httpx's own request lines, which quote the full URL."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "api_secret=" in message:
            record.msg = hide_secret(message)
            record.args = ()
        return True


def _install_log_filter() -> None:
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if not any(isinstance(item, _HideApiSecret) for item in logger.filters):
            logger.addFilter(_HideApiSecret())


_install_log_filter()
