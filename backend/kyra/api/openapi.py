"""The OpenAPI document as clients (and the fuzz tests) need it: every status a route can answer,
and request schemas exactly as the server validates them.

Litestar documents a route's success response; this module adds what the app-wide machinery
can answer on top (401 without a key, 400 for a bad parameter or body, 404 for an unknown id,
409 when a write conflicts at commit, 413 for an oversize body) plus each route's own
``opt={"errors": [...], "statuses": {...}}`` (and ``"content"`` for a route that answers
something other than JSON, such as a stream). Request and response models are published with
pydantic's own JSON Schema (validation and serialization mode), so patterns,
``additionalProperties: false`` (``extra="forbid"``) and serializers appear as they are enforced.
"""

from __future__ import annotations

import copy
import inspect
import types
import typing
from collections.abc import Iterator
from typing import Any

from litestar import Litestar, Request, Response
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.routes import HTTPRoute
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema

from kyra.api.fields import STORABLE_JSON

__all__ = ["ErrorBody", "OpenAPIJson", "OpenAPISwagger", "complete_document"]

_REF = "#/components/schemas/{model}"
#: Handler arguments Litestar injects rather than reads from the request.
_INJECTED = frozenset({"self", "request", "db_session", "principal", "services", "data"})
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DESCRIPTIONS = {
    400: "Bad request: a parameter or the body is invalid (`errors` names each field)",
    401: "Missing or invalid X-API-Key",
    404: "Not found (or owned by someone else)",
    405: "Method not allowed here (see the Allow header)",
    409: "Conflicts with existing data or the resource's state",
    413: "Body larger than the limit",
    422: "The graph document is invalid (`errors` names node and field)",
    503: "A dependency is unavailable",
}


class FieldErrorBody(BaseModel):
    """One problem with the request, located as precisely as possible."""

    node_id: str | None = None
    field: str
    code: str
    message: str


class ErrorBody(BaseModel):
    """Every error answer: the status again, a sentence, and field errors where there are any."""

    status_code: int
    detail: str
    errors: list[FieldErrorBody] | None = Field(None)


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    origin = typing.get_origin(annotation)
    if origin is not None or isinstance(annotation, types.UnionType):
        for argument in typing.get_args(annotation):
            yield from _models_in(argument)


def _request_models(app: Litestar) -> set[type[BaseModel]]:
    found: set[type[BaseModel]] = set()
    for _, handler in _handlers(app):
        data = handler.parsed_fn_signature.parameters.get("data")
        if data is not None:
            found.update(_models_in(data.annotation))
    return found


def _answered(handler: HTTPRouteHandler) -> Any:
    """The type a handler answers with (``Response[X]`` gives ``X``)."""
    annotation = handler.parsed_fn_signature.return_type.annotation
    if typing.get_origin(annotation) is Response:
        (annotation,) = typing.get_args(annotation)
    return annotation


def _response_models(app: Litestar) -> set[type[BaseModel]]:
    found: set[type[BaseModel]] = set()
    for _, handler in _handlers(app):
        found.update(_models_in(_answered(handler)))
    return found


def _response_schema(annotation: Any) -> dict[str, Any] | None:
    """The schema of a model, a list or a union of models, by reference; None for anything
    else (Litestar's own schema stays)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {"$ref": _REF.format(model=annotation.__name__)}
    if typing.get_origin(annotation) is list:
        items = _response_schema(typing.get_args(annotation)[0])
        return None if items is None else {"type": "array", "items": items}
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        choices = [_response_schema(a) for a in typing.get_args(annotation)]
        return None if None in choices else {"anyOf": choices}
    return None


def _model_schemas(app: Litestar) -> dict[str, Any]:
    """Request models as validated, response models as serialized, by name.

    Raises:
        ValueError: two different schemas would share a name (rename one of the models).
    """
    by_name = lambda m: m.__name__  # noqa: E731
    requests = sorted(_request_models(app) | {ErrorBody}, key=by_name)
    responses = sorted(_response_models(app), key=by_name)
    _, validated = models_json_schema([(m, "validation") for m in requests], ref_template=_REF)
    _, serialized = models_json_schema([(m, "serialization") for m in responses], ref_template=_REF)
    published: dict[str, Any] = _numeric_keywords(validated.get("$defs", {}))
    for name, schema in _numeric_keywords(serialized.get("$defs", {})).items():
        if published.setdefault(name, schema) != schema:
            raise ValueError(f"two schemas named {name}: rename one of the models")
    return published


#: Pydantic's names of numeric bounds and their JSON Schema keywords.
_BOUNDS = {"ge": "minimum", "gt": "exclusiveMinimum", "le": "maximum", "lt": "exclusiveMaximum",
           "multiple_of": "multipleOf"}  # fmt: skip


def _numeric_keywords(schema: Any) -> Any:
    """``schema`` with numeric bounds under their JSON Schema names.

    Pydantic (pydantic/pydantic#11576) writes a bound of an optional number that has its own
    validator (``Integer | None = Field(None, ge=1)``) as ``ge`` rather than ``minimum``: clients
    and generated data would not see the bound the server enforces.
    """
    if isinstance(schema, list):
        return [_numeric_keywords(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    numeric = schema.get("type") in ("integer", "number")
    return {
        (_BOUNDS.get(key, key) if numeric else key): _numeric_keywords(value)
        for key, value in schema.items()
    }


def _handlers(app: Litestar) -> Iterator[tuple[HTTPRoute, HTTPRouteHandler]]:
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                if handler.resolve_include_in_schema():
                    yield route, handler


def _error_statuses(route: HTTPRoute, handler: HTTPRouteHandler, method: str) -> set[int]:
    arguments = set(inspect.signature(handler.fn).parameters)
    path_names = set(route.path_parameters)
    statuses = set(handler.opt.get("errors", ()))
    if not handler.opt.get("public"):
        statuses.add(401)
    if path_names:
        statuses |= {400, 404}
    if arguments - _INJECTED - path_names:
        statuses.add(400)
    if "data" in arguments or (handler.opt.get("public") and method in _WRITES):
        statuses |= {400, 413}
    if method in _WRITES and "db_session" in arguments:
        statuses.add(409)
    return statuses


def _error_response(status: int) -> dict[str, Any]:
    return {
        "description": _DESCRIPTIONS.get(status, "Error"),
        "content": {"application/json": {"schema": {"$ref": _REF.format(model="ErrorBody")}}},
    }


def complete_document(app: Litestar, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` (Litestar's) with request schemas and every answerable status filled in."""
    document = copy.deepcopy(document)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(_model_schemas(app), StorableJson=STORABLE_JSON)
    for route, handler in _handlers(app):
        answer = _response_schema(_answered(handler))
        for method in handler.http_methods:
            operation = document["paths"].get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            success = next((r for code, r in responses.items() if code.startswith("2")), None)
            if success is not None and "content" in handler.opt:
                success["content"] = handler.opt["content"]
            elif success is not None and answer is not None:
                success["content"] = {"application/json": {"schema": answer}}
            for status, description in handler.opt.get("statuses", {}).items():
                responses.setdefault(str(status), {**(success or {}), "description": description})
            for status in sorted(_error_statuses(route, handler, method)):
                responses[str(status)] = _error_response(status)
    return document


class _Completed:
    """Serves :func:`complete_document` of the schema Litestar generated (computed once)."""

    _cache: tuple[int, dict[str, Any]] | None = None

    def completed(self, request: Request[Any, Any, Any], schema: dict[str, Any]) -> dict[str, Any]:
        if self._cache is None or self._cache[0] != id(schema):
            self._cache = (id(schema), complete_document(request.app, schema))
        return self._cache[1]


class OpenAPIJson(_Completed, JsonRenderPlugin):
    """``/schema/openapi.json``."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, self.completed(request, openapi_schema))


class OpenAPISwagger(_Completed, SwaggerRenderPlugin):
    """``/schema/swagger``."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, self.completed(request, openapi_schema))
