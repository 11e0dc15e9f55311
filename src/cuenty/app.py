"""Assembly of the CUENTY ASGI app: settings, middleware, error handlers, routers, lifespan.

`create_app()` mounts every service (the modular monolith of `make run`);
`create_app(services=["payments"])` mounts one, as `cuenty serve --service payments` does.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline
from prometheus_client import CollectorRegistry, GCCollector, PlatformCollector, ProcessCollector
from sqlalchemy.ext.asyncio import AsyncEngine

from cuenty import __version__
from cuenty.analytics.ga4 import metrics as ga4_metrics
from cuenty.business_metrics import BusinessMetrics
from cuenty.config import Settings, get_settings
from cuenty.health import build_health_router
from cuenty.heartbeat import start_heartbeat, stop_heartbeat
from cuenty.identity.access import RevocationStore
from cuenty.identity.authentication import Authenticator, rate_limit_resolver
from cuenty.identity.tokens import (
    DATABASE_CACHE_TTL_SECONDS,
    PublicKeyCache,
    database_jwks_loader,
    url_jwks_loader,
)
from cuenty.kit.db import create_engine, create_read_only_engine, create_session_factory
from cuenty.kit.errors import install_error_handlers
from cuenty.kit.jobs.runtime import start_embedded_runner, stop_embedded_runner
from cuenty.kit.logging import configure_logging
from cuenty.kit.metrics import DatabasePoolCollector, HttpMetrics
from cuenty.kit.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from cuenty.kit.ratelimit import RateLimiter, RateLimitMiddleware
from cuenty.notifications.codes import code_delivery
from cuenty.openapi import API_DESCRIPTION, OPENAPI_TAGS
from cuenty.services import Service, select_services

log = structlog.get_logger(__name__)

# Routes that accept bodies above the default limit: bank statement files (20 MiB) and
# analytics event batches (5 MiB). A larger CUENTY_MAX_BODY_BYTES applies to them too.
LARGE_BODY_ROUTES: tuple[tuple[str, int], ...] = (
    ("/v1/payments/statements", 20 * 1024 * 1024),
    ("/v1/analytics/events/batch", 5 * 1024 * 1024),
    ("/v1/inventory/accounts/import", 20 * 1024 * 1024),
    # The console's form sends the same CSV file inside a multipart body.
    ("/console/inventario/importar", 21 * 1024 * 1024),
    # The console's statement upload forwards the file to /v1/payments/statements. The extra
    # MiB lets a file just over the API's limit reach the API, so the page shows its message.
    ("/console/conciliacion/estados", 21 * 1024 * 1024),
)


def create_app(
    settings: Settings | None = None,
    *,
    services: Sequence[str] | None = None,
    engine: AsyncEngine | None = None,
) -> FastAPI:
    """Build the app with the selected services (all by default).

    An `engine` passed in is used as is and left open at shutdown (tests share one).
    """
    settings = settings or get_settings()
    selected = select_services(list(services) if services is not None else None)
    configure_logging(
        level=settings.log_level,
        json_logs=settings.json_logs,
        service=",".join(service.name for service in selected),
    )

    app = FastAPIOffline(
        title="CUENTY API",
        version=__version__,
        description=API_DESCRIPTION,
        openapi_tags=OPENAPI_TAGS,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.services = selected
    app.state.default_locale = settings.default_locale
    app.state.provided_engine = engine

    registry = _metrics_registry()
    app.state.metrics_registry = registry
    app.state.business_metrics = BusinessMetrics(
        registry, {service.name for service in selected}, settings
    )
    install_error_handlers(app)
    _add_middleware(app, settings, HttpMetrics(registry))
    app.include_router(build_health_router(selected))
    for service in selected:
        _mount_service(app, service)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
    settings: Settings = app.state.settings
    engine = app.state.provided_engine or create_engine(
        settings.database_url, pool_size=settings.database_pool_size
    )
    app.state.engine = engine
    app.state.session_factory = create_session_factory(engine)
    _start_analytics_reads(app, settings)
    app.state.redis = _redis_client(settings)
    _start_identity(app, settings)
    app.state.metrics_registry.register(DatabasePoolCollector(engine))
    start_embedded_runner(app)
    if _mounts(app, "admin"):
        from cuenty.console.client import warn_without_api

        warn_without_api(app)
    heartbeat = start_heartbeat(app.state, settings.service_heartbeat_seconds)
    log.info(
        "app.started",
        services=[service.name for service in app.state.services],
        database=engine.dialect.name,
        redis=app.state.redis is not None,
        environment=settings.environment.value,
    )
    try:
        yield {}
    finally:
        await stop_heartbeat(heartbeat)
        if _mounts(app, "admin"):
            from cuenty.console.client import close_http_client

            await close_http_client(app.state)
        await stop_embedded_runner(app)
        if app.state.redis is not None:
            await app.state.redis.aclose()
        if app.state.analytics_engine is not engine:
            await app.state.analytics_engine.dispose()
        if app.state.provided_engine is None:
            await engine.dispose()
        log.info("app.stopped")


def _start_analytics_reads(app: FastAPI, settings: Settings) -> None:
    """Point the dashboard's reads at CUENTY_ANALYTICS_DATABASE_URL, else at the main engine."""
    app.state.analytics_engine = app.state.engine
    app.state.analytics_session_factory = app.state.session_factory
    if settings.analytics_database_url:
        analytics_engine = create_read_only_engine(
            settings.analytics_database_url, pool_size=settings.database_pool_size
        )
        app.state.analytics_engine = analytics_engine
        app.state.analytics_session_factory = create_session_factory(analytics_engine)


def _start_identity(app: FastAPI, settings: Settings) -> None:
    """Build what every service needs to authenticate and rate-limit its callers."""
    factory = app.state.session_factory
    if settings.jwks_url:
        keys = PublicKeyCache(url_jwks_loader(settings.jwks_url))
    else:
        keys = PublicKeyCache(database_jwks_loader(factory), ttl_seconds=DATABASE_CACHE_TTL_SECONDS)
    app.state.revocations = RevocationStore(app.state.redis, factory)
    app.state.authenticator = Authenticator(settings, factory, keys, app.state.revocations)
    app.state.rate_limiter = (
        RateLimiter(settings.redis_url) if settings.rate_limit_enabled else None
    )
    app.state.rate_limit_resolver = rate_limit_resolver(app.state)
    if _mounts(app, "analytics"):
        from cuenty.analytics.ingest_keys import with_ingest_key_buckets
        from cuenty.analytics.settings import analytics_settings

        # Read now, so a malformed CUENTY_ANALYTICS_* setting stops the start-up instead of
        # failing every event request later.
        analytics_settings(app.state)
        app.state.rate_limit_resolver = with_ingest_key_buckets(
            app.state.rate_limit_resolver, app.state
        )
    app.state.code_delivery = code_delivery(settings)


def _add_middleware(app: FastAPI, settings: Settings, metrics: HttpMetrics) -> None:
    # Starlette runs the last added middleware first: the request context wraps everything,
    # so even a 413 or a CORS rejection is logged with its request id.
    app.add_middleware(
        BodySizeLimitMiddleware,
        default_limit=settings.max_body_bytes,
        route_limits=[
            (prefix, max(limit, settings.max_body_bytes)) for prefix, limit in LARGE_BODY_ROUTES
        ],
        default_locale=settings.default_locale,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Idempotency-Key",
                "X-Request-ID",
                "X-API-Key",
                "Accept-Language",
            ],
            expose_headers=[
                "X-Request-ID",
                "X-RateLimit-Limit",
                "X-RateLimit-Remaining",
                "X-RateLimit-Reset",
                "Retry-After",
            ],
        )
    if _mounts(app, "analytics"):
        # Imported here so a process without the analytics service never loads its code.
        from cuenty.analytics.ingest_keys import IngestCorsMiddleware
        from cuenty.analytics.settings import analytics_settings

        app.add_middleware(IngestCorsMiddleware, settings=lambda: analytics_settings(app.state))
    console = _mounts(app, "admin")
    app.add_middleware(
        RateLimitMiddleware,
        limiter=lambda: getattr(app.state, "rate_limiter", None),
        resolve_bucket=lambda scope: app.state.rate_limit_resolver(scope),
        default_locale=settings.default_locale,
        exempt_prefixes=("/console/static/",) if console else (),
        html_prefixes=("/console", "/cuenta") if console else (),
    )
    if console:
        # Outside the limiter, so a console 429 carries the same strict headers as a page.
        from cuenty.console.security import ConsoleHeadersMiddleware

        app.add_middleware(ConsoleHeadersMiddleware)
    app.add_middleware(RequestContextMiddleware, metrics=metrics)


def _mounts(app: FastAPI, service_name: str) -> bool:
    return any(service.name == service_name for service in app.state.services)


def _mount_service(app: FastAPI, service: Service) -> None:
    for reference in service.routers:
        module_name, _, attribute = reference.partition(":")
        router = getattr(importlib.import_module(module_name), attribute)
        app.include_router(router)


def _metrics_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=True)
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    # Counters of jobs that the embedded runner may run in this process.
    registry.register(ga4_metrics.REGISTRY)
    return registry


def _redis_client(settings: Settings) -> Any:
    if not settings.redis_url:
        return None
    import redis.asyncio as redis

    return redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
