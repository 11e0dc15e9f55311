"""Routers of the public API: JSON-only bodies and documented problem responses.

Every package builds its router with `api_router`, so a body sent with the wrong content
type gets 415 instead of reaching validation.
"""

from __future__ import annotations

import email.message
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from cuenty.kit.errors import PROBLEM_MEDIA_TYPE, UnsupportedMediaTypeError
from cuenty.kit.i18n import N_

JSON_MEDIA_TYPE = "application/json"


class ApiModel(BaseModel):
    """Base of request and response schemas: camelCase on the wire, snake_case in Python."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


class RequestModel(ApiModel):
    """Base of request bodies: an unknown field is a 422, not silently ignored, so a client
    sending `role` or a misspelt name learns it at once."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, from_attributes=True, extra="forbid"
    )


class FieldErrorDoc(BaseModel):
    location: str = Field(description="body, query, path or header")
    pointer: str | None = Field(default=None, description="Puntero JSON (RFC 6901) al campo")
    parameter: str | None = Field(default=None, description="Nombre del parámetro")
    code: str = Field(description="Regla incumplida, estable para programas")
    message: str = Field(description="Explicación para personas, en el idioma pedido")


class ProblemDoc(BaseModel):
    """Problem details (RFC 9457) as the API returns them."""

    type: str = Field(examples=["urn:cuenty:problem:validation_failed"])
    title: str = Field(examples=["Datos inválidos"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["La solicitud tiene 1 campo(s) inválido(s); revisa errors."])
    instance: str | None = Field(default=None, examples=["/v1/orders"])
    code: str = Field(examples=["validation_failed"])
    request_id: str | None = Field(default=None, alias="requestId")
    errors: list[FieldErrorDoc] | None = None


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the given error statuses, all problem+json."""
    descriptions = {
        400: "JSON mal formado o solicitud inválida",
        401: "Falta autenticación o no es válida",
        403: "Sin permiso para esta acción",
        404: "El recurso no existe",
        409: "Conflicto con el estado actual",
        413: "El cuerpo excede el límite de tamaño",
        415: "Tipo de contenido no admitido",
        422: "Datos inválidos; `errors` lista cada campo",
        429: "Límite de solicitudes excedido",
        500: "Error interno",
        502: "Un servicio externo respondió con error",
        503: "Un componente necesario no responde",
        504: "Un servicio externo no respondió a tiempo",
    }
    return {
        status: {
            "description": descriptions.get(status, "Error"),
            "model": ProblemDoc,
            "content": {PROBLEM_MEDIA_TYPE: {}},
        }
        for status in statuses
    }


class JsonRoute(APIRoute):
    """Route that returns 415 when a JSON body arrives with another content type."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None or _is_form_route(self):
            return handler

        async def checked_handler(request: Request) -> Response:
            _require_json_content_type(request)
            return await handler(request)

        return checked_handler


def api_router(**kwargs: Any) -> APIRouter:
    kwargs.setdefault("route_class", JsonRoute)
    kwargs.setdefault("responses", problem_responses(400, 413, 415, 422, 500))
    return APIRouter(**kwargs)


def _is_form_route(route: APIRoute) -> bool:
    from fastapi.params import Form

    field_info = getattr(route.body_field, "field_info", None)
    return isinstance(field_info, Form)


def _require_json_content_type(request: Request) -> None:
    content_type = request.headers.get("content-type")
    has_body = request.headers.get("content-length", "0") != "0" or (
        "transfer-encoding" in request.headers
    )
    if not has_body:
        return
    if content_type is None:
        raise UnsupportedMediaTypeError(
            N_("This route accepts {expected}; the request had no Content-Type header."),
            params={"expected": JSON_MEDIA_TYPE},
        )
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    if message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    ):
        return
    raise UnsupportedMediaTypeError(
        params={"expected": JSON_MEDIA_TYPE, "received": message.get_content_type()}
    )
