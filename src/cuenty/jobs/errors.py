"""Errors of the jobs administration API."""

from __future__ import annotations

from cuenty.kit.errors import ConflictError, NotFoundError
from cuenty.kit.i18n import N_


class JobNotFoundError(NotFoundError):
    code = "job_not_found"
    title = N_("Job not found")
    detail = N_("No job has the id {id}.")


class JobNotRetryableError(ConflictError):
    code = "job_not_retryable"
    title = N_("Job cannot be retried")
    detail = N_("Job {id} is {status}; only failed jobs can be retried.")


class JobNotCancellableError(ConflictError):
    code = "job_not_cancellable"
    title = N_("Job cannot be cancelled")
    detail = N_("Job {id} is {status}; only waiting or failed jobs can be cancelled.")
