"""Structured logging: JSON lines in production, readable console output in development.

Every line carries the request id bound by the HTTP middleware and the name of the service
that wrote it (`service`), and passes the redaction processor, so no secret or personal datum
is written.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from cuenty.kit.redaction import redact_event


def configure_logging(
    *, level: str = "INFO", json_logs: bool = False, service: str = "cuenty"
) -> None:
    """Route structlog and the standard library (uvicorn, SQLAlchemy) through one pipeline.

    `service` is written on every line; log shipping and searches group lines by it.
    """
    _ServiceName.value = service
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        _add_service,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        # Tracebacks become text before redaction, so an exception message that quotes a
        # customer's email or a token is masked too.
        structlog.processors.format_exc_info,
        redact_event,
    ]
    renderer: Any
    if json_logs:
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())

    structlog.configure(
        processors=[
            # First, so a line below the level costs nothing: redaction scans every value.
            # The standard library filters its own records before they reach `shared`.
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())

    # The HTTP middleware writes one line per request with the request id; uvicorn's own
    # access line would duplicate it without that id.
    logging.getLogger("uvicorn.access").handlers[:] = []
    logging.getLogger("uvicorn.access").propagate = False
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


class _ServiceName:
    """Name written as `service` on every line. Read for each line, because structlog caches
    loggers on first use, so a cached logger still writes the name of the last configuration."""

    value = "cuenty"


def _add_service(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    event.setdefault("service", _ServiceName.value)
    return event
