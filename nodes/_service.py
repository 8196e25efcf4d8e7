"""Shared plumbing of service nodes: one call with the service's errors mapped to node errors,
pagination up to a limit, and side effects that happen once.

A handler describes its service once (:class:`Service`: its name and how it words errors) and
then calls it::

    GMAIL = Service("Gmail", error_message=google_error)
    client = await ctx.service("gmail")
    message = await call(GMAIL, client, "POST", "/gmail/v1/users/me/messages/send",
                         what="messages.send", json={"raw": raw})

Errors carry the service's status and message; 408, 425, 429 and 5xx (and network failures)
are retryable with the node's retry policy, waiting at least the service's ``Retry-After``;
other 4xx are not; a 401 is a :class:`CredentialError`. Messages name the operation, never the
URL (some services put secrets in it).
"""

from __future__ import annotations

import email.utils
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx

from kyra.context import FileRef, NodeContext
from kyra.credentials import ServiceClient
from kyra.errors import CredentialError, NodeError

T = TypeVar("T")

#: Statuses another attempt may cure.
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
#: Longest service message quoted in a node error.
MAX_MESSAGE = 500
#: Largest answer read from a service.
MAX_RESPONSE_BYTES = 20 * 1024 * 1024


def standard_error(answer: Any) -> str | None:
    """The message of the usual JSON error shapes: ``{"error": {"message"}}`` (Google,
    Microsoft), ``{"error": "code"}`` (Slack, OAuth), ``{"message"}``, ``{"description"}``."""
    if not isinstance(answer, dict):
        return None
    error = answer.get("error")
    if isinstance(error, dict):
        error = error.get("message") or error.get("code") or error.get("status")
    text = error or answer.get("error_description") or answer.get("message")
    text = text or answer.get("description")
    return str(text) if text else None


@dataclass(frozen=True)
class Service:
    """How one service answers.

    Args:
        name: shown in errors ("Gmail 404: Requested entity was not found.").
        error_message: the service's words in an error answer's JSON.
        refused: a 2xx answer that still means failure (Slack's ``ok: false``): its message,
            or None when the answer is a success.
    """

    name: str
    error_message: Callable[[Any], str | None] = standard_error
    refused: Callable[[Any], str | None] | None = None
    #: Refusals another attempt may cure (Slack's ``internal_error``).
    transient: frozenset[str] = frozenset()
    #: Refusals that mean the credential does not work (Slack's ``invalid_auth``).
    unauthorized: frozenset[str] = frozenset()


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def service_error(service: Service, what: str, response: httpx.Response, answer: Any) -> NodeError:
    """The node error for a service's error answer."""
    status = response.status_code
    message = (service.error_message(answer) or response.reason_phrase or "error")[:MAX_MESSAGE]
    details = {"service": service.name, "operation": what, "status": status, "message": message}
    if status == 401:
        return CredentialError(
            f"{service.name} refused the credential ({status}: {message}); "
            "check or reconnect it on the Credentials page",
            details=details,
        )
    return NodeError(
        f"{service.name} {what} failed: {status} {message}",
        details=details,
        retryable=status in RETRYABLE_STATUS,
        retry_after=retry_after_seconds(response.headers.get("retry-after")),
    )


async def send(
    service: Service, client: ServiceClient, method: str, path: str, *, what: str, **kwargs: Any
) -> httpx.Response:
    """Send one request; the response (read) when the service accepted it.

    Raises:
        NodeError: network failure or timeout (retryable), or the service's error answer.
    """
    try:
        response = await client.request(method, path, **kwargs)
        await _read(response)
    except httpx.TimeoutException:
        raise NodeError(f"{service.name} {what} timed out", retryable=True) from None
    except httpx.HTTPError as exc:
        raise NodeError(
            f"{service.name} {what} failed: {type(exc).__name__}", retryable=True
        ) from None
    if not response.is_success:
        raise service_error(service, what, response, _answer(response))
    return response


async def call(
    service: Service, client: ServiceClient, method: str, path: str, *, what: str, **kwargs: Any
) -> Any:
    """Send one request and return the JSON answer (None for an empty body).

    Raises:
        NodeError: as :func:`send`, or a 2xx answer the service marks as refused.
    """
    answer = _json(await send(service, client, method, path, what=what, **kwargs))
    refused = service.refused(answer) if service.refused else None
    if not refused:
        return answer
    details = {"service": service.name, "operation": what, "message": refused}
    if refused in service.unauthorized:
        raise CredentialError(
            f"{service.name} refused the credential ({refused}); check or reconnect it on the "
            "Credentials page",
            details=details,
        )
    raise NodeError(
        f"{service.name} {what} failed: {refused[:MAX_MESSAGE]}",
        details=details,
        retryable=refused in service.transient,
    )


async def _read(response: httpx.Response) -> None:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
        await response.aclose()
        raise NodeError(f"the answer is larger than {MAX_RESPONSE_BYTES} bytes", retryable=False)
    await response.aread()


def _answer(response: httpx.Response) -> Any:
    """An error answer: its JSON, else its text (XML services such as S3 word errors so)."""
    answer = _json(response)
    return response.text[: MAX_MESSAGE * 4] if answer is None else answer


def _json(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


async def download(
    ctx: NodeContext,
    service: Service,
    client: ServiceClient,
    method: str,
    path: str,
    *,
    what: str,
    name: str | Callable[[httpx.Response], str],
    mime: str = "",
    **kwargs: Any,
) -> FileRef:
    """Stream a service's answer into ``ctx.files`` (never whole in memory) and return the
    file's reference; ``name`` may be read from the response (a metadata header).

    Raises:
        NodeError: as :func:`send`.
    """
    try:
        async with client.stream(method, path, **kwargs) as response:
            if not response.is_success:
                await _read(response)
                raise service_error(service, what, response, _answer(response))
            filename = name(response) if callable(name) else name
            kind = mime or response.headers.get("content-type", "")
            return await ctx.files.save(response.aiter_bytes(), name=filename, mime=kind)
    except httpx.TimeoutException:
        raise NodeError(f"{service.name} {what} timed out", retryable=True) from None
    except httpx.HTTPError as exc:
        raise NodeError(
            f"{service.name} {what} failed: {type(exc).__name__}", retryable=True
        ) from None


#: Fetches one page: given the previous page's token (None first), the items and the next
#: token (None when there are no more).
PageFetcher = Callable[[str | None], Awaitable[tuple[list[Any], str | None]]]


async def paginate(fetch: PageFetcher, *, limit: int) -> list[Any]:
    """Follow pages until ``limit`` items are collected or the service has no more."""
    items: list[Any] = []
    token: str | None = None
    while len(items) < limit:
        page, token = await fetch(token)
        items.extend(page)
        if not token or not page:
            break
    return items[:limit]


async def once(
    ctx: NodeContext, key: str, effect: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any
) -> T:
    """Run ``effect(*args, **kwargs)`` unless an earlier attempt of this node run already did.

    The effect's result (JSON: e.g. the sent message's id) is recorded on the node run before
    the handler goes on, so a retry after a later failure, or a redelivered queue message after
    a crash, returns it instead of sending again. Only a crash between the service's answer
    and the record (milliseconds) can repeat the effect; services that accept an idempotency
    key get ``ctx.idempotency_key`` as well.
    """
    recorded = await ctx.recorded_effect(key)
    if recorded is not None:
        result: T = recorded
        return result
    result = await effect(*args, **kwargs)
    await ctx.record_effect(key, result)
    return result


def param_error(message: str) -> NodeError:
    """A problem with the node's parameters that another attempt cannot cure."""
    return NodeError(message, retryable=False)


__all__ = [
    "RETRYABLE_STATUS",
    "Service",
    "call",
    "download",
    "once",
    "paginate",
    "param_error",
    "retry_after_seconds",
    "send",
    "service_error",
    "standard_error",
]
