"""The credentials API: kinds for typed forms, validation naming fields, write-only secrets,
field replacement, owner scoping and the connection test against a fake Telegram Bot API."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import Owner
from tests.fakes.server import FakeServer, Recorded, Reply, Response
from tests.fakes.telegram import FakeTelegram


@pytest.fixture(scope="module")
def telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def create(api: httpx.AsyncClient, kind: str, data: dict[str, Any]) -> httpx.Response:
    return await api.post(
        "/api/credentials", json={"name": unique(kind), "kind": kind, "data": data}
    )


async def test_kinds_describe_fields_secrets_and_tests(api: httpx.AsyncClient) -> None:
    kinds = {k["name"]: k for k in (await api.get("/api/credentials/kinds")).json()}

    telegram = kinds["telegram_bot"]
    assert telegram["testable"] is True
    assert telegram["base_url"] == "https://api.telegram.org"
    fields = {f["name"]: f for f in telegram["fields"]}
    assert fields["token"]["secret"] is True and fields["token"]["required"] is True
    assert fields["api_base"] == fields["api_base"] | {"secret": False, "type": "url"}
    http_auth = {f["name"]: f for f in kinds["http_auth"]["fields"]}
    assert http_auth["token"]["when"] == {"field": "type", "values": ["bearer"]}


async def test_data_is_checked_against_the_kind_and_errors_name_the_fields(
    api: httpx.AsyncClient,
) -> None:
    response = await create(api, "http_auth", {"type": "bearer", "colour": "red"})

    assert response.status_code == 422
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert fields == {
        "data.colour": "unknown field for a http_auth credential",
        "data.token": "required",
    }
    unknown = await create(api, "no_such_kind", {})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "kind"


async def test_secrets_are_never_returned_and_public_fields_are(api: httpx.AsyncClient) -> None:
    created = await create(
        api, "http_auth", {"type": "basic", "username": "ada", "password": "pw-77"}
    )

    assert created.status_code == 201
    body = created.json()
    assert body["fields"] == {"type": "basic", "username": "ada"}
    assert body["secrets_set"] == ["password"]
    for response in (
        await api.get("/api/credentials"),
        await api.get(f"/api/credentials/{body['id']}"),
    ):
        assert "pw-77" not in response.text


async def test_put_replaces_given_fields_and_keeps_the_secrets_left_out(
    api: httpx.AsyncClient, telegram: FakeTelegram
) -> None:
    created = (await create(api, "telegram_bot", {"token": "wrong-token"})).json()

    moved = await api.put(
        f"/api/credentials/{created['id']}", json={"data": {"api_base": telegram.url}}
    )
    assert moved.status_code == 200
    assert moved.json()["fields"] == {"api_base": telegram.url}
    assert moved.json()["secrets_set"] == ["token"]
    fixed = await api.put(
        f"/api/credentials/{created['id']}",
        json={"name": unique("renamed"), "data": {"token": telegram.token}},
    )
    assert fixed.status_code == 200
    assert (await api.post(f"/api/credentials/{created['id']}/test")).json()["ok"] is True
    cleared = await api.put(f"/api/credentials/{created['id']}", json={"data": {"token": None}})
    assert cleared.status_code == 422
    assert cleared.json()["errors"][0]["field"] == "data.token"


async def test_the_connection_test_reports_what_the_service_says(
    api: httpx.AsyncClient, telegram: FakeTelegram
) -> None:
    telegram.reset()
    good = (
        await create(api, "telegram_bot", {"token": telegram.token, "api_base": telegram.url})
    ).json()
    bad = (
        await create(api, "telegram_bot", {"token": "123:nope-nope", "api_base": telegram.url})
    ).json()

    passed = (await api.post(f"/api/credentials/{good['id']}/test")).json()
    failed = (await api.post(f"/api/credentials/{bad['id']}/test")).json()

    assert passed == {
        "ok": True,
        "message": "connected to Telegram bot as @kyra_test_bot",
        "status": 200,
        "account": "@kyra_test_bot",
    }
    assert failed["ok"] is False and failed["status"] == 401
    assert failed["message"] == "Telegram bot refused: 401 Unauthorized"
    assert [r.path for r in telegram.requests] == [
        f"/bot{telegram.token}/getMe",
        "/bot123:nope-nope/getMe",
    ]


async def test_an_unreachable_service_is_a_failed_test_not_an_error(api: httpx.AsyncClient) -> None:
    from kyra.infra.embedded import free_port

    closed = f"http://127.0.0.1:{free_port()}"
    created = (
        await create(api, "telegram_bot", {"token": "1:x-secret", "api_base": closed})
    ).json()

    result = (await api.post(f"/api/credentials/{created['id']}/test")).json()

    assert result["ok"] is False
    assert result["message"] == "could not reach Telegram bot: ConnectError"


async def test_kinds_without_a_test_request_say_so(api: httpx.AsyncClient) -> None:
    created = (await create(api, "http_auth", {"type": "bearer", "token": "t"})).json()

    response = await api.post(f"/api/credentials/{created['id']}/test")

    assert response.status_code == 400
    assert "no test request" in response.json()["detail"]


async def test_other_owners_cannot_read_change_or_test_a_credential(
    api: httpx.AsyncClient, other_owner: Owner
) -> None:
    created = (await create(api, "http_auth", {"type": "bearer", "token": "t"})).json()
    other = {"X-API-Key": other_owner.api_key}
    path = f"/api/credentials/{created['id']}"

    assert (await api.get(path, headers=other)).status_code == 404
    assert (await api.put(path, json={"data": {}}, headers=other)).status_code == 404
    assert (await api.post(f"{path}/test", headers=other)).status_code == 404
    assert (await api.delete(path, headers=other)).status_code == 404
    assert (await api.get(path)).status_code == 200


class Echo(FakeServer):
    """Answers every request with the headers it received (a service that leaks them)."""

    def respond(self, recorded: Recorded, reply: Reply) -> Response:
        return Response(200, {"headers": recorded.headers})


async def test_secrets_a_node_read_are_masked_in_its_output(api: httpx.AsyncClient) -> None:
    echo = Echo().start()
    try:
        credential = (
            await create(api, "http_auth", {"type": "bearer", "token": "leaky-4242"})
        ).json()
        graph = {
            "schema": "kyra.graph/1",
            "name": unique("echo"),
            "nodes": [
                {"id": "start", "type": "Manual.trigger"},
                {
                    "id": "call",
                    "type": "HTTP.request",
                    "params": {"url": f"{echo.url}/whoami"},
                    "credentials": {"http_auth": credential["id"]},
                },
            ],
            "edges": [{"source": "start", "target": "call"}],
        }
        graph_id = (await api.post("/api/graphs", json=graph)).json()["id"]
        run = (await api.post(f"/api/graphs/{graph_id}/runs", json={"mode": "sync"})).json()
    finally:
        echo.stop()

    assert echo.requests[0].headers["authorization"] == "Bearer leaky-4242"
    assert run["status"] == "succeeded"
    call = next(n for n in run["node_runs"] if n["node_id"] == "call")
    assert call["output"]["out"]["body"]["headers"]["authorization"] == "Bearer ***"
    assert "leaky-4242" not in str(run)
