"""Route of the dashboard: `GET /v1/analytics/dashboard`, read from the rollups, on the
analytics read replica when CUENTY_ANALYTICS_DATABASE_URL is set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from cuenty.analytics.rollups import cache, service
from cuenty.analytics.rollups.schemas import Dashboard
from cuenty.analytics.rollups.settings import rollup_settings
from cuenty.identity.access import Principal, require_access
from cuenty.identity.models import Role
from cuenty.kit.api import api_router, problem_responses
from cuenty.kit.clock import utc_now
from cuenty.kit.db import transaction

STAFF_ROLES = (Role.OPERATIONS.value, Role.ADMIN.value)
# Module-level so tests can override it through app.dependency_overrides.
require_dashboard_reader = require_access(roles=STAFF_ROLES, scopes=("analytics:read",))
DashboardReader = Annotated[Principal, Depends(require_dashboard_reader)]

router = api_router(prefix="/v1/analytics", tags=["analytics"])


async def analytics_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Yield a session on the analytics read database (the main one unless configured)."""
    async with request.app.state.analytics_session_factory() as session:
        yield session


AnalyticsReadSession = Annotated[AsyncSession, Depends(analytics_read_session)]


@router.get(
    "/dashboard",
    response_model=Dashboard,
    summary="Métricas del tablero: totales, estados, embudo, ingresos por servicio y salud",
    responses=problem_responses(401, 403, 422),
)
async def get_dashboard(
    request: Request,
    session: AnalyticsReadSession,
    principal: DashboardReader,
    start_date: Annotated[
        date | None,
        Query(alias="startDate", description="Primer día (Ciudad de México), AAAA-MM-DD"),
    ] = None,
    end_date: Annotated[
        date | None,
        Query(alias="endDate", description="Último día incluido; por omisión, hoy"),
    ] = None,
) -> Dashboard:
    settings = rollup_settings(request.app.state)
    now = utc_now()
    start, end = service.resolve_range(start_date, end_date, settings, now)
    answer = await service.build_dashboard(session, start, end, settings, now)
    if answer.computed is not None and answer.refresh_id is not None:
        # Kept through the main database: the analytics one may be a read-only replica.
        async with transaction(request.app.state.session_factory) as writer:
            await cache.store(writer, answer.refresh_id, start, end, answer.computed)
    return Dashboard.model_validate(answer.body)
