"""RFC 9457 problem details for every error the API returns, translated per request.

Domain packages raise subclasses of `ProblemError`; the handlers here turn them, and every
framework error, into `application/problem+json` with a stable `code`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from cuenty.kit.i18n import DEFAULT_LOCALE, N_, negotiate_locale, translate
from cuenty.kit.validation import FieldError, field_errors_from_validation

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:cuenty:problem:"


class ProblemError(Exception):
    """Base of every error that becomes a problem response; subclasses set the class fields.

    `title` and `detail` are message ids translated per request; `params` fill the detail's
    `{placeholders}`.
    """

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title: ClassVar[str] = N_("Bad request")
    detail: ClassVar[str] = N_("The request cannot be processed.")
    # When true, the request's database work is committed before the error response is sent.
    persist_changes: ClassVar[bool] = False

    def __init__(
        self,
        detail: str | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        errors: Sequence[FieldError] = (),
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.detail_message = detail or self.detail
        self.params = dict(params or {})
        self.errors = list(errors)
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})
        super().__init__(self.detail_message.format(**self.params) if self.params else detail)


class BadRequestError(ProblemError):
    status = 400
    code = "bad_request"


class MalformedJsonError(ProblemError):
    status = 400
    code = "malformed_json"
    title = N_("Malformed JSON")
    detail = N_("The request body is not valid JSON (error at character {position}).")


class NotAuthenticatedError(ProblemError):
    status = 401
    code = "not_authenticated"
    title = N_("Authentication required")
    detail = N_("Send a valid access token or API key.")


class ForbiddenError(ProblemError):
    status = 403
    code = "forbidden"
    title = N_("Forbidden")
    detail = N_("You do not have permission to perform this action.")


class NotFoundError(ProblemError):
    status = 404
    code = "not_found"
    title = N_("Not found")
    detail = N_("No resource exists at {path}.")


class MethodNotAllowedError(ProblemError):
    status = 405
    code = "method_not_allowed"
    title = N_("Method not allowed")
    detail = N_("The method {method} is not allowed on {path}.")


class ConflictError(ProblemError):
    status = 409
    code = "conflict"
    title = N_("Conflict")
    detail = N_("The request conflicts with the current state of the resource.")


class PayloadTooLargeError(ProblemError):
    status = 413
    code = "payload_too_large"
    title = N_("Request body too large")
    detail = N_("The request body exceeds the limit of {limit} bytes for this route.")


class UnsupportedMediaTypeError(ProblemError):
    status = 415
    code = "unsupported_media_type"
    title = N_("Unsupported media type")
    detail = N_("This route accepts {expected}; the request was sent as {received}.")


class ValidationFailedError(ProblemError):
    status = 422
    code = "validation_failed"
    title = N_("Invalid data")
    detail = N_("The request has {count} invalid field(s); see errors for each one.")


class TooManyRequestsError(ProblemError):
    status = 429
    code = "too_many_requests"
    title = N_("Too many requests")
    detail = N_("The rate limit was exceeded; retry after {retry_after} seconds.")


class InternalError(ProblemError):
    status = 500
    code = "internal_error"
    title = N_("Internal error")
    detail = N_("An unexpected error occurred. Quote the request id {request_id} to support.")


class ServiceUnavailableError(ProblemError):
    status = 503
    code = "service_unavailable"
    title = N_("Service unavailable")
    detail = N_("A component the service needs is not responding: {components}.")


def _generic_http_error(status_code: int) -> type[ProblemError]:
    """Build an error class for an HTTP status that has no named error above."""
    return type(
        "HttpError",
        (ProblemError,),
        {
            "status": status_code,
            "code": "http_error",
            "title": N_("Request failed"),
            "detail": N_("The request failed with HTTP status {status}."),
        },
    )


_STATUS_ERRORS: dict[int, type[ProblemError]] = {
    400: BadRequestError,
    401: NotAuthenticatedError,
    403: ForbiddenError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    409: ConflictError,
    413: PayloadTooLargeError,
    415: UnsupportedMediaTypeError,
    429: TooManyRequestsError,
    503: ServiceUnavailableError,
}


def problem_body(
    error: ProblemError, *, locale: str, instance: str | None, request_id: str | None
) -> dict[str, Any]:
    """Build the problem document of an error in one locale."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + error.code,
        "title": translate(locale, error.title),
        "status": error.status,
        "detail": translate(locale, error.detail_message, **error.params),
        "code": error.code,
    }
    if instance:
        body["instance"] = instance
    if request_id:
        body["requestId"] = request_id
    if error.errors:
        body["errors"] = [field_error.render(locale) for field_error in error.errors]
    body.update(error.extra)
    return body


def problem_response(
    error: ProblemError,
    *,
    locale: str = DEFAULT_LOCALE,
    instance: str | None = None,
    request_id: str | None = None,
) -> JSONResponse:
    body = problem_body(error, locale=locale, instance=instance, request_id=request_id)
    headers = {"Content-Language": locale, **error.headers}
    return JSONResponse(
        body, status_code=error.status, headers=headers, media_type=PROBLEM_MEDIA_TYPE
    )


def request_locale(request: Request) -> str:
    default = getattr(request.app.state, "default_locale", DEFAULT_LOCALE)
    return negotiate_locale(request.headers.get("accept-language"), default)


def respond_with_problem(request: Request, error: ProblemError) -> JSONResponse:
    return problem_response(
        error,
        locale=request_locale(request),
        instance=request.url.path,
        request_id=getattr(request.state, "request_id", None),
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the problem handlers; unexpected exceptions are handled by the request
    context middleware, which runs inside Starlette's last-resort handler."""
    app.add_exception_handler(ProblemError, _handle_problem)
    app.add_exception_handler(RequestValidationError, _handle_validation)
    app.add_exception_handler(StarletteHTTPException, _handle_http_exception)


async def _handle_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return respond_with_problem(request, exc)


async def _handle_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    json_error = next((e for e in exc.errors() if e.get("type") == "json_invalid"), None)
    if json_error is not None:
        location = json_error.get("loc", ())
        position = location[1] if len(location) > 1 else 0
        return respond_with_problem(request, MalformedJsonError(params={"position": position}))
    field_errors = field_errors_from_validation(exc.errors())
    error = ValidationFailedError(params={"count": len(field_errors)}, errors=field_errors)
    return respond_with_problem(request, error)


async def _handle_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    error_class = _STATUS_ERRORS.get(exc.status_code)
    params = {"path": request.url.path, "method": request.method}
    if error_class is None:
        error: ProblemError = _generic_http_error(exc.status_code)(
            params={"status": exc.status_code}, headers=exc.headers
        )
    elif exc.status_code == 500:
        request_id = getattr(request.state, "request_id", None) or "-"
        error = InternalError(params={"request_id": request_id})
    elif error_class is TooManyRequestsError:
        retry_after = (exc.headers or {}).get("Retry-After", "-")
        error = TooManyRequestsError(params={"retry_after": retry_after}, headers=exc.headers)
    elif error_class is PayloadTooLargeError:
        limit = getattr(exc, "limit", None) or request.app.state.settings.max_body_bytes
        error = PayloadTooLargeError(params={"limit": limit})
    elif error_class in (NotFoundError, MethodNotAllowedError):
        error = error_class(params=params, headers=exc.headers)
    else:
        error = error_class(headers=exc.headers)
    return respond_with_problem(request, error)
