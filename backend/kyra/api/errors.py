"""Exception handlers: every error is JSON ``{status_code, detail, errors?}``, never a 500
on user input."""

from __future__ import annotations

import logging
from typing import Any

import redis
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from pydantic import ValidationError

from kyra.db.errors import is_unavailable
from kyra.errors import (
    ConflictError,
    CredentialInvalidError,
    FileTooLargeError,
    GraphInvalidError,
    KyraError,
    NotFoundError,
    UnavailableError,
)

_log = logging.getLogger("kyra.api")


def _json(
    status: int,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    *,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    body: dict[str, Any] = {"status_code": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return Response(body, status_code=status, media_type=MediaType.JSON, headers=headers)


def _unavailable(detail: str, retry_after_s: int) -> Response[Any]:
    return _json(503, detail, headers={"Retry-After": str(retry_after_s)})


def _outage(exc: BaseException) -> str | None:
    """Which server an exception says is unreachable (``database``, ``Redis``), if any."""
    if isinstance(exc, BaseExceptionGroup):
        return next(filter(None, map(_outage, exc.exceptions)), None)
    if isinstance(exc, redis.RedisError):
        return "Redis"
    return "database" if is_unavailable(exc) else None


def _field_of(location: str) -> str:
    return location.removeprefix("body.").removeprefix("body")


def handle_validation(_: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            field = _field_of(str(item.get("key") or item.get("source") or ""))
            errors.append(
                {
                    "node_id": None,
                    "field": field,
                    "code": "invalid_field",
                    "message": item.get("message", ""),
                }
            )
    return _json(400, exc.detail or "invalid request", errors or None)


def handle_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code >= 500:
        _log.error("server error: %s", exc.detail)
    if isinstance(exc, RequestEntityTooLarge):
        limit = request.app.state.settings.max_request_bytes
        return _json(413, f"request body is larger than {limit} bytes (KYRA_MAX_REQUEST_BYTES)")
    # 405 carries ``Allow``, 401 may carry ``WWW-Authenticate``: keep what Litestar set.
    return _json(exc.status_code, exc.detail, headers=dict(exc.headers or {}))


def handle_kyra(_: Request[Any, Any, Any], exc: KyraError) -> Response[Any]:
    if isinstance(exc, UnavailableError):
        return _unavailable(str(exc), exc.retry_after_s)
    if isinstance(exc, GraphInvalidError):
        return _json(422, "graph is invalid", [e.as_dict() for e in exc.errors])
    if isinstance(exc, CredentialInvalidError):
        errors = [
            {"node_id": None, "field": p["field"], "code": "invalid_field", "message": p["message"]}
            for p in exc.problems
        ]
        return _json(422, str(exc), errors)
    if isinstance(exc, NotFoundError):
        return _json(404, str(exc))
    if isinstance(exc, ConflictError):
        return _json(409, str(exc))
    if isinstance(exc, FileTooLargeError):
        return _json(413, str(exc))
    return _json(400, str(exc))


def handle_pydantic(_: Request[Any, Any, Any], exc: ValidationError) -> Response[Any]:
    errors = [
        {
            "node_id": None,
            "field": ".".join(str(p) for p in e["loc"]),
            "code": "invalid_field",
            "message": e["msg"],
        }
        for e in exc.errors()
    ]
    return _json(400, "invalid request", errors)


def handle_group(request: Request[Any, Any, Any], exc: ExceptionGroup[Any]) -> Response[Any]:
    """Litestar wraps errors raised while cleaning up dependencies (e.g. the 409 of a commit in
    :func:`~kyra.api.deps.provide_db_session`) in a group: answer for the first one inside."""
    first: BaseException = exc
    while isinstance(first, BaseExceptionGroup) and first.exceptions:
        first = first.exceptions[0]
    for kind in type(first).__mro__:
        handler = EXCEPTION_HANDLERS.get(kind)
        if handler is not None and handler is not handle_group:
            return handler(request, first)  # type: ignore[no-any-return]
    return handle_unexpected(request, exc)


def handle_unexpected(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    server = _outage(exc)
    if server is not None:
        _log.warning("request failed: the %s is unavailable (%r)", server, exc)
        return _unavailable(f"the {server} is unavailable; retry shortly", 5)
    _log.exception("unhandled error", exc_info=exc)
    return _json(500, "internal server error")


EXCEPTION_HANDLERS: dict[Any, Any] = {
    ValidationException: handle_validation,
    HTTPException: handle_http,
    KyraError: handle_kyra,
    ValidationError: handle_pydantic,
    ExceptionGroup: handle_group,
    Exception: handle_unexpected,
}
