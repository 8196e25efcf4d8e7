"""Access control walked from the route table: no key gets 401 everywhere but an explicit
allow-list; another owner's ids get 404 on every route that takes one; SQL-looking input stays
data; a graph that carries a credential's value is refused on import."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from kyra.api.auth import PUBLIC
from tests.adversarial.routes import Endpoint, app_for, endpoints

#: Routes outside PUBLIC that need no key by design: the OpenAPI documents.
DOCUMENTS = "/schema"


def test_the_public_routes_are_exactly_the_allow_list(services: Any) -> None:
    public = {e.path for e in endpoints(app_for(services)) if e.public}
    assert {p for p in public if not p.startswith(DOCUMENTS)} == set(PUBLIC)


async def test_every_other_route_needs_a_key(api: httpx.AsyncClient, services: Any) -> None:
    checked = 0
    for endpoint in endpoints(app_for(services)):
        if endpoint.public:
            continue
        if endpoint.method == "OPTIONS":
            # Allow-listed by method (CORS preflights carry no key): it answers only Allow.
            response = await api.options(endpoint.url(), headers={"X-API-Key": ""})
            assert response.status_code == 204 and response.content == b"", endpoint
            assert set(response.headers) <= {"allow", "date", "server", "content-type"}
            continue
        for headers in ({"X-API-Key": ""}, {"X-API-Key": "kyra_not-a-key"}):
            response = await api.request(endpoint.method, endpoint.url(), headers=headers)
            assert response.status_code == 401, (endpoint, response.status_code, response.text)
        checked += 1
    assert checked > 40  # every method of every private path


HELLO = {
    "schema": "kyra.graph/1",
    "name": "private",
    "nodes": [
        {"id": "s", "type": "Manual.trigger"},
        {"id": "x", "type": "Core.set", "params": {"values": {"a": 1}}},
    ],
    "edges": [{"source": "s", "sourcePort": "out", "target": "x", "targetPort": "in"}],
}
#: A body each route accepts, so the owner check (not validation) decides the answer.
BODIES: dict[tuple[str, str], Any] = {
    ("PUT", "/api/graphs/{graph_id:uuid}"): HELLO,
    ("PATCH", "/api/graphs/{graph_id:uuid}"): {"name": "renamed"},
    ("POST", "/api/graphs/{graph_id:uuid}/runs"): {"mode": "sync"},
    ("POST", "/api/graphs/{graph_id:uuid}/test-runs"): {"mode": "sync"},
    ("PUT", "/api/llm/providers/{provider_id:uuid}"): {"name": "mine now"},
    ("POST", "/api/runs/{run_id:uuid}/rerun"): {"from_node": "x", "mode": "sync"},
    ("POST", "/api/runs/{run_id:uuid}/resume"): {},
    ("POST", "/api/runs/{run_id:uuid}/approve"): {},
    ("POST", "/api/runs/{run_id:uuid}/reject"): {},
    ("POST", "/api/runs/{run_id:uuid}/replay"): {},
    ("POST", "/api/graphs/{graph_id:uuid}/channels/{kind:str}"): {
        "public_url": "https://kyra.example.org",
        "token": "123:abc",
    },
    ("POST", "/api/agents/{agent_ref:str}/channels/{kind:str}"): {
        "public_url": "https://kyra.example.org",
        "token": "123:abc",
    },
    ("PATCH", "/api/agents/{agent_ref:str}"): {"default_prompt": "mine now"},
    ("POST", "/api/agents/{agent_ref:str}/memories"): {"content": "mine now"},
    ("POST", "/api/agents/{agent_ref:str}/run"): {"goal": "leak", "mode": "tracked"},
    ("PUT", "/api/llm/models/{model_id:uuid}"): {"display_name": "mine now"},
    ("PUT", "/api/credentials/{credential_id:uuid}"): {"data": {"type": "bearer", "token": "u"}},
}


@pytest.fixture
async def owned(api: httpx.AsyncClient) -> dict[str, str]:
    """One of each resource the session's owner has, by path parameter name."""
    graph = await api.post("/api/graphs", json=HELLO | {"name": f"p-{uuid.uuid4().hex[:6]}"})
    graph_id = graph.json()["id"]
    run = await api.post(f"/api/graphs/{graph_id}/runs", json={"mode": "sync"})
    credential = await api.post(
        "/api/credentials",
        json={
            "name": f"c-{uuid.uuid4().hex[:6]}",
            "kind": "http_auth",
            "data": {"type": "bearer", "token": "t"},
        },
    )
    agent = await api.post("/api/agents", json={"name": f"a-{uuid.uuid4().hex[:6]}"})
    provider = await api.post(
        "/api/llm/providers", json={"name": f"p-{uuid.uuid4().hex[:6]}", "kind": "openai"}
    )
    model = await api.post(
        "/api/llm/models",
        json={"provider_id": provider.json()["id"], "model_key": "private-model"},
    )
    for response in (graph, run, credential, agent, provider, model):
        assert response.status_code in (200, 201), response.text
    return {
        "graph_id": graph_id,
        "run_id": run.json()["id"],
        "credential_id": credential.json()["id"],
        "agent_ref": agent.json()["name"],
        "model_id": model.json()["id"],
        "provider_id": provider.json()["id"],
        "kind": "telegram",
        "version": "1",
    }


def _owned_routes(app_endpoints: list[Endpoint]) -> list[Endpoint]:
    """Private routes whose path names one of an owner's resources."""
    names = ("graph_id", "run_id", "credential_id", "agent_ref", "model_id", "provider_id")
    return [
        e
        for e in app_endpoints
        if not e.public and e.method != "OPTIONS" and any(f"{{{n}:" in e.path for n in names)
    ]


async def test_another_owners_ids_are_404_on_every_route(
    api: httpx.AsyncClient, services: Any, owned: dict[str, str], other_owner: Any
) -> None:
    other = {"X-API-Key": other_owner.api_key}
    routes = _owned_routes(endpoints(app_for(services)))
    assert len(routes) > 25
    for endpoint in routes:
        body = BODIES.get((endpoint.method, endpoint.path))
        url = endpoint.url(**owned)
        response = await api.request(endpoint.method, url, headers=other, json=body)
        assert response.status_code == 404, (endpoint, response.status_code, response.text)
    # ...and nothing of theirs changed or leaked: the owner still reads the originals.
    graph = (await api.get(f"/api/graphs/{owned['graph_id']}")).json()
    assert graph["name"].startswith("p-")
    assert (await api.get(f"/api/agents/{owned['agent_ref']}")).json()["default_prompt"] == ""


@pytest.mark.parametrize(
    "payload",
    ["' OR '1'='1", "x'); DROP TABLE graphs; --", "%' OR name LIKE '%", "\\'; SELECT pg_sleep(5)"],
)
async def test_sql_looking_input_stays_data(
    api: httpx.AsyncClient, other_owner: Any, payload: str
) -> None:
    other = {"X-API-Key": other_owner.api_key}
    name = f"{payload} {uuid.uuid4().hex[:4]}"
    created = await api.post("/api/graphs", json=HELLO | {"name": name})
    assert created.status_code == 201, created.text
    assert (await api.get(f"/api/graphs/{created.json()['id']}")).json()["name"] == name
    # As a path parameter it matches nothing, and certainly nobody else's agent.
    agent = await api.get(f"/api/agents/{payload.replace('/', '')}", headers=other)
    assert agent.status_code in (400, 404)
    assert (await api.get("/api/graphs", headers=other)).json() == []


@pytest.mark.parametrize(
    ("node", "field"),
    [
        (
            {"credentials": {"http_auth": "Bearer sk-live-0123456789"}},
            "credentials.http_auth",
        ),
        (
            {"params": {"url": "https://example.org", "headers": {"Authorization": "Bearer x"}}},
            "params.headers.Authorization",
        ),
        ({"params": {"url": "https://example.org", "query": {"api_key": "k-123"}}}, None),
    ],
)
async def test_an_imported_graph_with_a_credential_value_is_refused(
    api: httpx.AsyncClient, node: dict[str, Any], field: str | None
) -> None:
    document = {
        "schema": "kyra.graph/1",
        "name": f"leaky-{uuid.uuid4().hex[:6]}",
        "nodes": [
            {"id": "s", "type": "Manual.trigger"},
            {"id": "call", "type": "HTTP.request", "params": {"url": "https://example.org"}} | node,
        ],
        "edges": [{"source": "s", "sourcePort": "out", "target": "call", "targetPort": "in"}],
    }
    response = await api.post("/api/graphs", json=document)
    assert response.status_code == 422, response.text
    codes = {(e["node_id"], e["field"], e["code"]) for e in response.json()["errors"]}
    assert any(c[0] == "call" and c[2] == "credential_value" for c in codes), codes
    if field:
        assert ("call", field, "credential_value") in codes
    names = [g["name"] for g in (await api.get("/api/graphs")).json()]
    assert document["name"] not in names
