"""Authentication is deny-by-default; resources are invisible to other owners."""

from __future__ import annotations

from typing import Any

import httpx

from kyra.api.app import create_app
from kyra.api.auth import PUBLIC, PUBLIC_PATTERNS


def test_only_allow_listed_routes_are_public(services: Any) -> None:
    app = create_app(services.settings, services=services)
    public = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if handler.opt.get("public"):
                public.add(route.path)
    assert public == set(PUBLIC)
    assert PUBLIC_PATTERNS == ("^/schema",)


async def test_api_routes_need_a_valid_key(api: httpx.AsyncClient) -> None:
    for method, path in [
        ("GET", "/api/graphs"),
        ("GET", "/api/nodes"),
        ("POST", "/api/graphs"),
        ("GET", "/api/me"),
    ]:
        missing = await api.request(method, path, headers={"X-API-Key": ""})
        assert missing.status_code == 401, path
        wrong = await api.request(method, path, headers={"X-API-Key": "kyra_wrong"})
        assert wrong.status_code == 401, path
        assert wrong.json()["detail"] == "invalid API key"


async def test_health_is_public(api: httpx.AsyncClient) -> None:
    response = await api.get("/health", headers={"X-API-Key": ""})
    body = response.json()
    assert body.pop("code_sandbox") in ("bubblewrap", "wasm", "disabled", "probing")
    assert body == {"status": "ok", "database": "ok", "redis": "ok"}


async def test_me_names_the_key_owner(api: httpx.AsyncClient, owner: Any) -> None:
    assert (await api.get("/api/me")).json()["user_id"] == str(owner.id)


async def test_other_owners_get_404_for_every_resource(
    api: httpx.AsyncClient, other_owner: Any
) -> None:
    document = {
        "schema": "kyra.graph/1",
        "name": "private-graph",
        "nodes": [{"id": "s", "type": "Manual.trigger"}],
    }
    graph = (await api.post("/api/graphs", json=document)).json()
    run = (await api.post(f"/api/graphs/{graph['id']}/runs", json={"mode": "sync"})).json()
    credential = (
        await api.post(
            "/api/credentials",
            json={"name": "c1", "kind": "http_auth", "data": {"type": "bearer", "token": "t"}},
        )
    ).json()
    other = {"X-API-Key": other_owner.api_key}
    for method, path in [
        ("GET", f"/api/graphs/{graph['id']}"),
        ("PUT", f"/api/graphs/{graph['id']}"),
        ("DELETE", f"/api/graphs/{graph['id']}"),
        ("GET", f"/api/graphs/{graph['id']}/versions"),
        ("POST", f"/api/graphs/{graph['id']}/runs"),
        ("GET", f"/api/graphs/{graph['id']}/runs"),
        ("GET", f"/api/runs/{run['id']}"),
        ("POST", f"/api/runs/{run['id']}/cancel"),
        ("GET", f"/api/runs/{run['id']}/events"),
        ("DELETE", f"/api/credentials/{credential['id']}"),
    ]:
        body = document if method == "PUT" else ({} if method == "POST" else None)
        response = await api.request(method, path, headers=other, json=body)
        assert response.status_code == 404, (method, path, response.text)
    assert (await api.get("/api/graphs", headers=other)).json() == []
    assert (await api.get("/api/credentials", headers=other)).json() == []
    assert (await api.get(f"/api/graphs/{graph['id']}")).status_code == 200


async def test_the_admin_key_from_settings_is_accepted(services: Any) -> None:
    settings = services.settings.model_copy(update={"admin_api_key": "kyra_admin_from_env"})
    app = create_app(settings, services=services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        me = await client.get("/api/me", headers={"X-API-Key": "kyra_admin_from_env"})
        assert me.status_code == 200
        assert me.json()["is_admin"] is True
        assert (
            await client.get("/api/me", headers={"X-API-Key": "kyra_admin_other"})
        ).status_code == 401
