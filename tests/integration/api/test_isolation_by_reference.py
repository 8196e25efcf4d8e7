"""Isolation of ids carried in bodies and graphs, not paths: naming another member's credential
or provider answers exactly as naming one that does not exist, and a graph that names another
member's credential never gets its secret."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.fakes.telegram import FakeTelegram
from tests.integration.api.test_credentials import Echo
from tests.integration.api.test_users import _member, admin  # noqa: F401
from tests.integration.test_telegram import PUBLIC_URL, bot_api, telegram  # noqa: F401

SECRET_TOKEN = "alice-only-token-4242"


async def _alices(api: httpx.AsyncClient, alice: dict[str, str]) -> dict[str, str]:
    tag = uuid.uuid4().hex[:6]
    bearer = await api.post(
        "/api/credentials",
        json={"name": f"b-{tag}", "kind": "http_auth",
              "data": {"type": "bearer", "token": SECRET_TOKEN}},
        headers=alice,
    )  # fmt: skip
    bot = await api.post(
        "/api/credentials",
        json={"name": f"t-{tag}", "kind": "telegram_bot", "data": {"token": "1:alice"}},
        headers=alice,
    )
    provider = await api.post(
        "/api/llm/providers",
        json={"name": f"p-{tag}", "kind": "openai_compatible", "base_url": "http://127.0.0.1:9/v1"},
        headers=alice,
    )
    for created in (bearer, bot, provider):
        assert created.status_code == 201, created.text
    ids = (bearer.json()["id"], bot.json()["id"], provider.json()["id"])
    return dict(zip(("bearer", "bot", "provider"), ids, strict=True))


async def test_ids_of_another_members_resources_in_bodies_are_as_missing(
    api: httpx.AsyncClient,
    admin: dict[str, str],  # noqa: F811
    bot_api: FakeTelegram,  # noqa: F811
) -> None:
    alice = {"X-API-Key": (await _member(api, admin))["api_key"]}
    bob = {"X-API-Key": (await _member(api, admin))["api_key"]}
    theirs = await _alices(api, alice)
    agent = (await api.post("/api/agents", json={"name": f"bob-{uuid.uuid4().hex[:6]}"},
                            headers=bob)).json()  # fmt: skip
    graph = await api.post(
        "/api/graphs",
        json={"schema": "kyra.graph/1", "name": f"bob-{uuid.uuid4().hex[:6]}",
              "nodes": [{"id": "t", "type": "Telegram.trigger", "params": {}}], "edges": []},
        headers=bob,
    )  # fmt: skip
    assert graph.status_code == 201, graph.text

    # Each call names one of Alice's ids, then an id nobody has: the answers are the same
    calls = [
        ("POST", "/api/oauth/authorize", lambda i: {"credential_id": i}, "bearer"),
        ("POST", f"/api/agents/{agent['id']}/channels/telegram",
         lambda i: {"credential_id": i, "public_url": PUBLIC_URL}, "bot"),
        ("POST", f"/api/graphs/{graph.json()['id']}/channels/telegram",
         lambda i: {"credential_id": i, "public_url": PUBLIC_URL}, "bot"),
        ("POST", "/api/llm/models", lambda i: {"provider_id": i, "model_key": "m"}, "provider"),
    ]  # fmt: skip
    for method, path, body, resource in calls:
        named = await api.request(method, path, json=body(theirs[resource]), headers=bob)
        missing = await api.request(method, path, json=body(str(uuid.uuid4())), headers=bob)
        where = f"{method} {path}: {named.status_code} {named.text[:200]}"
        assert named.status_code == missing.status_code == 404, where
    assert bot_api.calls("setWebhook") == []


async def test_a_graph_naming_another_members_credential_never_gets_its_secret(
    api: httpx.AsyncClient,
    admin: dict[str, str],  # noqa: F811
) -> None:
    alice = {"X-API-Key": (await _member(api, admin))["api_key"]}
    bob = {"X-API-Key": (await _member(api, admin))["api_key"]}
    theirs = await _alices(api, alice)
    echo = Echo().start()
    try:
        answers = []
        for credential in (theirs["bearer"], str(uuid.uuid4())):
            document: dict[str, Any] = {
                "schema": "kyra.graph/1", "name": f"borrow-{uuid.uuid4().hex[:6]}",
                "nodes": [
                    {"id": "start", "type": "Manual.trigger"},
                    {"id": "call", "type": "HTTP.request", "params": {"url": f"{echo.url}/x"},
                     "credentials": {"http_auth": credential}},
                ],
                "edges": [{"source": "start", "target": "call"}],
            }  # fmt: skip
            saved = await api.post("/api/graphs", json=document, headers=bob)
            if saved.status_code != 201:
                answers.append((saved.status_code, None))
                continue
            ran = await api.post(
                f"/api/graphs/{saved.json()['id']}/runs", json={"mode": "sync"}, headers=bob
            )
            run = ran.json()
            answers.append((ran.status_code, run.get("status")))
            assert SECRET_TOKEN not in ran.text
    finally:
        echo.stop()

    assert all("authorization" not in r.headers for r in echo.requests)
    # Alice's credential behaves exactly as one that does not exist
    assert answers[0] == answers[1], answers
