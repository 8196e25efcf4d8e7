"""The shared plumbing of service nodes: error mapping, Retry-After, pagination, once-only
effects (against an httpx transport standing in for a service)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from kyra.credentials import Bearer, CredentialField, CredentialKind, ServiceClient
from kyra.errors import CredentialError, NodeError
from kyra_nodes._service import Service, call, once, paginate, retry_after_seconds

KIND = CredentialKind(
    "svc", "Svc", fields=(CredentialField("token", secret=True),), injection=Bearer("token"),
    base_url="https://svc.example/api",
)  # fmt: skip
SVC = Service("Svc", refused=lambda a: None if a.get("ok", True) else a.get("error"))


def client_answering(status: int, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body, headers=headers)

    return httpx.AsyncClient(transport=httpx.MockTransport(answer))


async def error_of(status: int, body: Any, headers: dict[str, str] | None = None) -> NodeError:
    async with client_answering(status, body, headers) as http:
        with pytest.raises(NodeError) as caught:
            await call(SVC, ServiceClient(KIND, {"token": "t"}, http), "GET", "/x", what="x.get")
    return caught.value


async def test_a_4xx_carries_the_service_status_and_message_and_is_not_retried() -> None:
    error = await error_of(
        404, {"error": {"code": 404, "message": "Requested entity was not found."}}
    )

    assert str(error) == "Svc x.get failed: 404 Requested entity was not found."
    assert error.details == {
        "service": "Svc", "operation": "x.get", "status": 404,
        "message": "Requested entity was not found.",
    }  # fmt: skip
    assert error.retryable is False


async def test_a_429_is_retried_no_sooner_than_its_retry_after() -> None:
    error = await error_of(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "30"})

    assert error.retryable is True
    assert error.retry_after == 30.0
    assert "429 ratelimited" in str(error)


async def test_5xx_are_retried_and_401_is_a_credential_error() -> None:
    assert (await error_of(503, None)).retryable is True
    refused = await error_of(401, {"error": "invalid_auth"})
    assert isinstance(refused, CredentialError)
    assert "reconnect" in str(refused) and refused.retryable is False


async def test_a_2xx_the_service_marks_as_refused_is_an_error() -> None:
    error = await error_of(200, {"ok": False, "error": "channel_not_found"})

    assert str(error) == "Svc x.get failed: channel_not_found"
    assert error.retryable is False


async def test_network_failures_are_retryable_and_never_show_the_url() -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused to https://svc.example/api/bottoken")

    async with httpx.AsyncClient(transport=httpx.MockTransport(fail)) as http:
        with pytest.raises(NodeError) as caught:
            await call(SVC, ServiceClient(KIND, {"token": "t"}, http), "GET", "/x", what="x.get")

    assert str(caught.value) == "Svc x.get failed: ConnectError"
    assert caught.value.retryable is True


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)

    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Thu, 01 Jan 2026 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


async def test_pagination_stops_at_the_limit_or_the_last_page() -> None:
    pages = {None: ([1, 2], "b"), "b": ([3, 4], "c"), "c": ([5], None)}
    asked: list[str | None] = []

    async def fetch(token: str | None) -> tuple[list[Any], str | None]:
        asked.append(token)
        return pages[token]

    assert await paginate(fetch, limit=3) == [1, 2, 3]
    assert asked == [None, "b"]
    assert await paginate(fetch, limit=50) == [1, 2, 3, 4, 5]


class Journal:
    """The two context methods ``once`` uses (the engine stores them on the node run)."""

    def __init__(self) -> None:
        self.effects: dict[str, Any] = {}

    async def recorded_effect(self, key: str) -> Any:
        return self.effects.get(key)

    async def record_effect(self, key: str, value: Any) -> None:
        self.effects[key] = value


async def test_once_runs_a_side_effect_a_single_time_across_attempts() -> None:
    ctx, sent = Journal(), []

    async def send(what: str) -> dict[str, str]:
        sent.append(what)
        return {"id": f"m{len(sent)}"}

    first = await once(ctx, "send", send, "mail")  # type: ignore[arg-type]
    again = await once(ctx, "send", send, "mail")  # type: ignore[arg-type]

    assert first == again == {"id": "m1"}
    assert sent == ["mail"]


async def test_next_page_links_must_stay_under_the_service_url() -> None:
    async with client_answering(200, {}) as http:
        client = ServiceClient(KIND, {"token": "t"}, http)
        assert client.url("https://svc.example/api/items?$skip=10") == (
            "https://svc.example/api/items?$skip=10"
        )
        with pytest.raises(CredentialError):
            client.url("https://elsewhere.example/api/items")
