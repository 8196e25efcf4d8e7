"""Run events stream over SSE; the catalogue endpoints; the web app's static files."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from tests.conftest import LiveServer
from tests.graphs.test_examples import wait_for_final


async def test_run_events_stream_snapshot_then_node_changes_until_final(
    api: httpx.AsyncClient, live_server: LiveServer
) -> None:
    # The run waits at an approval until the stream is open, so no change can happen too early.
    # (A real server: the in-process transport only returns a response once it is complete.)
    document = {
        "schema": "kyra.graph/1",
        "name": f"events-{uuid.uuid4().hex[:6]}",
        "nodes": [
            {"id": "start", "type": "Manual.trigger"},
            {"id": "gate", "type": "Core.approval"},
            {"id": "done", "type": "Core.set", "params": {"values": 1}},
        ],
        "edges": [
            {"source": "start", "target": "gate"},
            {"source": "gate", "sourcePort": "approved", "target": "done"},
        ],
    }
    graph = (await api.post("/api/graphs", json=document)).json()
    run = (await api.post(f"/api/graphs/{graph['id']}/runs", json={"mode": "queue"})).json()
    assert (await wait_for_final(api, run["id"]))["status"] == "paused"

    events: list[tuple[str, dict[str, Any]]] = []
    headers = {"X-API-Key": live_server.api_key}
    async with (
        httpx.AsyncClient(base_url=live_server.url, headers=headers) as client,
        client.stream("GET", f"/api/runs/{run['id']}/events", timeout=60) as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        event = ""
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and line[5:].strip():
                events.append((event, json.loads(line.split(":", 1)[1])))
                if len(events) == 1:  # the snapshot: subscribed, so decide now
                    approved = await api.post(f"/api/runs/{run['id']}/approve", json={})
                    assert approved.status_code == 200

    kinds = [kind for kind, _ in events]
    assert kinds[0] == "snapshot"
    assert events[0][1]["status"] == "paused"
    assert kinds[-1] == "run"
    assert events[-1][1]["status"] == "succeeded"
    seen = {(data["node_id"], data["status"]) for kind, data in events if kind == "node"}
    assert {("gate", "running"), ("gate", "succeeded"), ("done", "succeeded")} <= seen


async def test_catalogue_serves_schemas_ports_and_tools(api: httpx.AsyncClient) -> None:
    nodes = {n["type"]: n for n in (await api.get("/api/nodes")).json()}
    wait = nodes["Core.wait"]
    assert wait["params_schema"]["properties"]["seconds"]["maximum"] == 3600
    assert [p["name"] for p in wait["inputs"]] == ["in"]
    assert nodes["Core.if"]["outputs"] == [
        {"name": "true", "type": "any", "many": False, "description": ""},
        {"name": "false", "type": "any", "many": False, "description": ""},
    ]
    ports = await api.post(
        "/api/nodes/Core.switch/ports", json={"params": {"cases": [{"name": "vip", "when": "x"}]}}
    )
    assert [p["name"] for p in ports.json()["outputs"]] == ["vip", "default"]
    tools = {t["function"]["name"] for t in (await api.get("/api/tools")).json()}
    assert {"Core__set", "HTTP__request", "Core__code"} <= tools


async def test_web_files_have_their_media_type_and_no_traversal(api: httpx.AsyncClient) -> None:
    index = await api.get("/", headers={"X-API-Key": ""})
    if index.status_code == 404:
        assert "not built" in index.json()["detail"]
        return
    assert index.headers["content-type"].startswith("text/html")
    deep_link = await api.get("/graphs/123", headers={"X-API-Key": ""})
    assert deep_link.headers["content-type"].startswith("text/html")
    escape = await api.get("/..%2F..%2Fpyproject.toml", headers={"X-API-Key": ""})
    assert "kyra-flow" not in escape.text
    unknown_api = await api.get("/api/nothing")
    assert unknown_api.status_code == 404


async def test_runs_are_listed_across_graphs_for_their_owner_only(
    api: httpx.AsyncClient, other_owner: Any
) -> None:
    document = {
        "schema": "kyra.graph/1",
        "name": f"listed-{uuid.uuid4().hex[:6]}",
        "nodes": [{"id": "s", "type": "Manual.trigger"}],
    }
    graph = (await api.post("/api/graphs", json=document)).json()
    run = (await api.post(f"/api/graphs/{graph['id']}/runs", json={"mode": "sync"})).json()
    mine = [r["id"] for r in (await api.get("/api/runs", params={"limit": 500})).json()]
    assert run["id"] in mine
    theirs = (await api.get("/api/runs", headers={"X-API-Key": other_owner.api_key})).json()
    assert run["id"] not in [r["id"] for r in theirs]
