"""Routes under /v1/jobs (admins only): queue status with recent failures, retry, cancel."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, status

from cuenty.identity.access import Principal, require_access
from cuenty.jobs.errors import JobNotCancellableError, JobNotFoundError, JobNotRetryableError
from cuenty.jobs.schemas import FailedJobOut, JobChanged, JobCounts, JobsOverview
from cuenty.kit.api import api_router, problem_responses
from cuenty.kit.clock import utc_now
from cuenty.kit.deps import DbSession
from cuenty.kit.jobs import admin

router = api_router(prefix="/v1/jobs", tags=["admin"])

# Module-level so tests can override it through app.dependency_overrides.
require_jobs_admin = require_access(roles=("admin",))
Admin = Annotated[Principal, Depends(require_jobs_admin)]


@router.get(
    "",
    response_model=JobsOverview,
    summary="Estado de la cola: trabajos por estado, espera más larga y fallas recientes",
    responses=problem_responses(401, 403),
)
async def overview(
    session: DbSession,
    principal: Admin,
    failures: Annotated[
        int, Query(ge=0, le=100, description="Cuántas fallas recientes incluir")
    ] = 20,
) -> JobsOverview:
    stats = await admin.queue_stats(session, utc_now())
    failed = await admin.failed_jobs(session, limit=failures) if failures else []
    return JobsOverview(
        backend=stats.backend,  # type: ignore[arg-type]
        counts=JobCounts(**{state: stats.counts.get(state, 0) for state in admin.STATES}),
        ready=stats.ready,
        scheduled=stats.scheduled,
        oldest_waiting_seconds=stats.oldest_waiting_seconds,
        events_waiting=stats.events_waiting,
        failures=[
            FailedJobOut(
                id=job.id,
                name=job.name,
                attempts=job.attempts,
                last_error=job.last_error,
                failed_at=job.failed_at,
            )
            for job in failed
        ],
    )


@router.post(
    "/{job_id}/retry",
    response_model=JobChanged,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Ejecutar de nuevo, ya, un trabajo fallido",
    responses=problem_responses(401, 403, 404, 409),
)
async def retry(job_id: int, session: DbSession, principal: Admin) -> JobChanged:
    try:
        await admin.retry_job(session, job_id, utc_now())
    except admin.JobNotFoundError as error:
        raise JobNotFoundError(params={"id": job_id}) from error
    except admin.JobStateError as error:
        raise JobNotRetryableError(params={"id": job_id, "status": error.status}) from error
    return JobChanged(id=job_id, status="todo")


@router.post(
    "/{job_id}/cancel",
    response_model=JobChanged,
    summary="Cancelar un trabajo en espera o descartar uno fallido",
    responses=problem_responses(401, 403, 404, 409),
)
async def cancel(job_id: int, session: DbSession, principal: Admin) -> JobChanged:
    try:
        await admin.cancel_job(session, job_id)
    except admin.JobNotFoundError as error:
        raise JobNotFoundError(params={"id": job_id}) from error
    except admin.JobStateError as error:
        raise JobNotCancellableError(params={"id": job_id, "status": error.status}) from error
    return JobChanged(id=job_id, status="cancelled")
