"""Users and API keys: roles, disabling, key life cycle, admins reading every owner's runs, and
member isolation on every route (another member's resource looks exactly like a missing one)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from kyra.api.app import create_app
from kyra.api.auth import PUBLIC
from kyra.db.queries.users import create_api_key, create_user
from tests.fakes.telegram import FakeTelegram
from tests.integration.test_telegram import PUBLIC_URL, bot_api, telegram  # noqa: F401


@pytest.fixture(scope="module")
async def admin(session_factory: Any) -> dict[str, str]:
    async with session_factory() as session:
        user = await create_user(session, name=f"admin-{uuid.uuid4().hex[:6]}", is_admin=True)
        _, key = await create_api_key(session, owner_id=user.id, name="tests")
        await session.commit()
    return {"X-API-Key": key}


async def _member(api: httpx.AsyncClient, admin: dict[str, str], **extra: Any) -> dict[str, Any]:
    created = await api.post(
        "/api/users", json={"name": f"m-{uuid.uuid4().hex[:6]}", **extra}, headers=admin
    )
    assert created.status_code == 201, created.text
    return created.json()


def _graph(name: str) -> dict[str, Any]:
    return {
        "schema": "kyra.graph/1",
        "name": name,
        "nodes": [
            {"id": "start", "type": "Manual.trigger", "params": {}},
            {"id": "set", "type": "Core.set", "params": {"values": {"a": 1}}},
        ],
        "edges": [{"source": "start", "target": "set"}],
    }


async def test_an_admin_creates_a_member_who_manages_their_own_keys(
    api: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member = await _member(api, admin, email="Ada@Example.org")
    assert member["role"] == "member" and member["email"] == "ada@example.org"
    first = {"X-API-Key": member["api_key"]}
    me = (await api.get("/api/me", headers=first)).json()
    assert me["role"] == "member" and me["user_id"] == member["id"]

    # A member manages keys: created (shown once), listed without the key, revoked
    made = await api.post("/api/keys", json={"name": "laptop"}, headers=first)
    assert made.status_code == 201 and made.json()["key"].startswith("kyra_")
    second = {"X-API-Key": made.json()["key"]}
    listed = (await api.get("/api/keys", headers=second)).json()
    assert [k["name"] for k in listed] == ["initial", "laptop"]
    assert all("key" not in k and len(k["prefix"]) == 12 for k in listed)
    assert listed[0]["last_used_at"] is not None
    assert (await api.delete(f"/api/keys/{made.json()['id']}", headers=first)).status_code == 204
    assert (await api.get("/api/me", headers=second)).status_code == 401
    assert (await api.get("/api/me", headers=first)).status_code == 200
    revoked = (await api.get("/api/keys", headers=first)).json()[1]
    assert revoked["revoked_at"] is not None

    # ... but never users
    assert (await api.get("/api/users", headers=first)).status_code == 403
    assert (await api.post("/api/users", json={"name": "x"}, headers=first)).status_code == 403


async def test_a_disabled_user_cannot_call_the_api_until_enabled(
    api: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    member = await _member(api, admin)
    key = {"X-API-Key": member["api_key"]}
    assert (await api.get("/api/me", headers=key)).status_code == 200
    off = await api.patch(f"/api/users/{member['id']}", json={"disabled": True}, headers=admin)
    assert off.json()["disabled"] is True
    assert (await api.get("/api/me", headers=key)).status_code == 401
    await api.patch(f"/api/users/{member['id']}", json={"disabled": False}, headers=admin)
    assert (await api.get("/api/me", headers=key)).status_code == 200
    listed = {u["id"]: u for u in (await api.get("/api/users", headers=admin)).json()}
    assert listed[member["id"]]["disabled"] is False


async def test_users_are_checked_field_by_field(
    api: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    bad = await api.post("/api/users", json={"name": "x", "email": "nope"}, headers=admin)
    assert bad.status_code == 400 and "email" in bad.text
    role = await api.post("/api/users", json={"name": "x", "role": "root"}, headers=admin)
    assert role.status_code == 400 and "role" in role.text
    email = f"{uuid.uuid4().hex[:8]}@example.org"
    await _member(api, admin, email=email)
    again = await api.post("/api/users", json={"name": "y", "email": email}, headers=admin)
    assert again.status_code == 409
    me = (await api.get("/api/me", headers=admin)).json()
    self_off = await api.patch(
        f"/api/users/{me['user_id']}", json={"disabled": True}, headers=admin
    )
    assert self_off.status_code == 409


async def test_admins_read_every_owners_runs_and_usage_members_only_their_own(
    api: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    alice = {"X-API-Key": (await _member(api, admin))["api_key"]}
    bob = {"X-API-Key": (await _member(api, admin))["api_key"]}
    graph = await api.post("/api/graphs", json=_graph(f"own-{uuid.uuid4().hex[:6]}"), headers=alice)
    run = await api.post(
        f"/api/graphs/{graph.json()['id']}/runs", json={"mode": "sync"}, headers=alice
    )
    run_id = run.json()["id"]

    assert (await api.get(f"/api/runs/{run_id}", headers=admin)).json()["owner_id"]
    everyone = (await api.get("/api/runs?scope=all&limit=500", headers=admin)).json()
    assert run_id in {r["id"] for r in everyone}
    assert run_id not in {r["id"] for r in (await api.get("/api/runs", headers=admin)).json()}
    assert (await api.get(f"/api/runs/{run_id}/trace", headers=admin)).status_code == 200
    assert (await api.get(f"/api/runs/{run_id}", headers=bob)).status_code == 404
    assert (await api.get("/api/runs?scope=all", headers=bob)).status_code == 403
    assert (await api.get("/api/analytics/usage?scope=all", headers=admin)).status_code == 200
    assert (await api.get("/api/analytics/usage?scope=all", headers=bob)).status_code == 403


#: A body for routes that need one (the same for the resource and for a missing one).
_BODIES = {
    "PUT /api/graphs/{graph_id:uuid}": _graph("renamed"),
    "PATCH /api/graphs/{graph_id:uuid}": {"name": "renamed"},
    "POST /api/graphs/{graph_id:uuid}/runs": {"mode": "sync"},
    "POST /api/graphs/{graph_id:uuid}/channels/{kind:str}": {
        "public_url": "https://kyra.example.org", "token": "123:abc",
    },
    "POST /api/agents/{agent_ref:str}/channels/{kind:str}": {
        "public_url": "https://kyra.example.org", "token": "123:abc",
    },
    "PUT /api/credentials/{credential_id:uuid}": {"name": "renamed"},
    "PUT /api/llm/models/{model_id:uuid}": {"input_cost_per_1k": "0.5"},
    "PUT /api/llm/providers/{provider_id:uuid}": {"name": "renamed"},
    "POST /api/graphs/{graph_id:uuid}/test-runs": {"inputs": {}, "mode": "sync"},
    "PATCH /api/agents/{agent_ref:str}": {"default_prompt": "x"},
    "POST /api/agents/{agent_ref:str}/run": {"goal": "x"},
    "POST /api/runs/{run_id:uuid}/rerun": {"from_node": "set"},
    "PATCH /api/triggers/{kind:str}/{trigger_id:uuid}": {"enabled": False},
    "POST /api/agents/{agent_ref:str}/memories": {"content": "x"},
}  # fmt: skip
#: Routes with a path parameter that name no owned resource.
_NOT_OWNED = {
    "/api/nodes/{type_name:str}/ports",  # the node catalogue
    "/api/oauth/providers/{name:str}",  # the operator's OAuth2 clients (admins)
    "/api/users/{user_id:uuid}",  # admins only: 403 for members, checked in a test above
}


async def _resources(
    api: httpx.AsyncClient, owner: dict[str, str], bot: FakeTelegram
) -> dict[str, str]:
    """One resource of each kind, owned by ``owner``, by path parameter name."""
    tag = uuid.uuid4().hex[:6]
    graph = (await api.post("/api/graphs", json=_graph(f"iso-{tag}"), headers=owner)).json()
    run = await api.post(f"/api/graphs/{graph['id']}/runs", json={"mode": "sync"}, headers=owner)
    credential = await api.post(
        "/api/credentials",
        json={"name": f"iso-{tag}", "kind": "telegram_bot", "data": {"token": "1:x"}},
        headers=owner,
    )
    file = await api.post(f"/api/files?name=iso-{tag}.txt", content=b"hello", headers=owner)
    agent = await api.post("/api/agents", json={"name": f"iso-{tag}"}, headers=owner)
    provider = await api.post(
        "/api/llm/providers",
        json={
            "name": f"iso-{tag}",
            "kind": "openai_compatible",
            "base_url": "http://127.0.0.1:9/v1",
        },
        headers=owner,
    )
    model = await api.post(
        "/api/llm/models",
        json={"provider_id": provider.json()["id"], "model_key": f"m-{tag}",
              "input_cost_per_1k": "0.1", "output_cost_per_1k": "0.1"},
        headers=owner,
    )  # fmt: skip
    key = (await api.get("/api/keys", headers=owner)).json()[0]
    deployment = await api.post(
        f"/api/agents/{agent.json()['id']}/channels/telegram",
        json={"token": bot.token, "public_url": PUBLIC_URL}, headers=owner,
    )  # fmt: skip
    for answer in (run, credential, file, agent, model, deployment):
        assert answer.is_success, answer.text
    return {
        "graph_id": graph["id"], "run_id": run.json()["id"], "version": "1",
        "credential_id": credential.json()["id"], "file_id": file.json()["$file"],
        "agent_ref": agent.json()["id"], "model_id": model.json()["id"], "key_id": key["id"],
        "provider_id": provider.json()["id"],
        "kind": "telegram", "deployment_id": deployment.json()["id"],
        "trigger_id": deployment.json()["id"], "memory_id": "1", "session_id": "s1",
    }  # fmt: skip


def _url(path: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"route {path}: add its parameter {name!r} to the isolation test"
        return values[name]

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, path)


async def test_a_member_gets_404_for_another_members_resources_on_every_route(
    api: httpx.AsyncClient,
    services: Any,
    admin: dict[str, str],
    bot_api: FakeTelegram,  # noqa: F811
) -> None:
    alice = {"X-API-Key": (await _member(api, admin))["api_key"]}
    bob = {"X-API-Key": (await _member(api, admin))["api_key"]}
    owned = await _resources(api, alice, bot_api)
    missing = {name: str(uuid.uuid4()) for name in owned} | {"version": "1", "kind": "telegram"}
    missing["agent_ref"] = str(uuid.uuid4())

    checked = 0
    for route in create_app(services.settings, services=services).routes:
        if route.path in PUBLIC or route.path.startswith("/schema") or "{" not in route.path:
            continue
        if route.path in _NOT_OWNED:
            continue
        for method in sorted(set().union(*(h.http_methods for h in route.route_handlers))):
            if method in ("OPTIONS", "HEAD"):
                continue
            body = _BODIES.get(f"{method} {route.path}", {}) if method != "GET" else None
            body = None if method == "DELETE" else body
            theirs = await api.request(method, _url(route.path, owned), json=body, headers=bob)
            nobody = await api.request(method, _url(route.path, missing), json=body, headers=bob)
            where = f"{method} {route.path}: {theirs.status_code} {theirs.text[:200]}"
            assert not theirs.is_success, where
            assert theirs.status_code == nobody.status_code == 404, where
            checked += 1
    assert checked >= 30
    # ... and everything is still there for its owner
    assert (await api.get(f"/api/graphs/{owned['graph_id']}", headers=alice)).status_code == 200
    assert (await api.get(f"/api/runs/{owned['run_id']}", headers=alice)).status_code == 200
