"""``GET /api/graphs/{id}/runs`` and ``GET /api/runs``: version numbers, names and filters."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.integration.api.test_run_idempotency import counter_graph


async def _graph_with_two_versions(api: httpx.AsyncClient) -> tuple[str, dict[str, Any]]:
    document = counter_graph("v1")
    graph_id = (await api.post("/api/graphs", json=document)).json()["id"]
    await api.put(f"/api/graphs/{graph_id}", json=counter_graph("v2") | {"name": document["name"]})
    return graph_id, document


async def test_listed_runs_carry_their_version_number_and_graph_name(
    api: httpx.AsyncClient,
) -> None:
    graph_id, document = await _graph_with_two_versions(api)
    for version in (1, 2):
        body = {"mode": "sync", "version": version}
        assert (await api.post(f"/api/graphs/{graph_id}/runs", json=body)).status_code == 200

    listed = (await api.get(f"/api/graphs/{graph_id}/runs")).json()
    everywhere = (await api.get("/api/runs", params={"graph_id": graph_id})).json()

    assert [r["graph_version"] for r in listed] == [2, 1]
    assert [r["graph_version"] for r in everywhere] == [2, 1]
    assert {r["graph_name"] for r in listed + everywhere} == {document["name"]}


async def test_a_run_of_a_graph_backing_an_agent_is_listed_under_the_agents_name(
    api: httpx.AsyncClient, session_factory: Any, owner: Any
) -> None:
    from kyra.db.models import AiAgent

    graph_id = (await api.post("/api/graphs", json=counter_graph("a"))).json()["id"]
    name = f"helper-{uuid.uuid4().hex[:6]}"
    async with session_factory() as session:
        session.add(AiAgent(owner_id=owner.id, name=name, graph_id=uuid.UUID(graph_id)))
        await session.commit()
    await api.post(f"/api/graphs/{graph_id}/runs", json={"mode": "sync"})

    (row,) = (await api.get("/api/runs", params={"graph_id": graph_id})).json()

    assert (row["graph_name"], row["agent"]) == (name, name)


async def test_runs_filter_by_status_trigger_date_and_id_prefix(api: httpx.AsyncClient) -> None:
    graph_id, _ = await _graph_with_two_versions(api)
    ok = (await api.post(f"/api/graphs/{graph_id}/runs", json={"mode": "sync"})).json()
    failing = counter_graph("x") | {"name": f"failing-{uuid.uuid4().hex[:6]}"}
    failing["nodes"][1]["params"] = {"values": "{{ trigger.missing.deeper }}"}
    failing_id = (await api.post("/api/graphs", json=failing)).json()["id"]
    bad = (await api.post(f"/api/graphs/{failing_id}/runs", json={"mode": "sync"})).json()
    assert (ok["status"], bad["status"]) == ("succeeded", "failed")

    async def ids(**params: Any) -> set[str]:
        resp = await api.get("/api/runs", params={"limit": 500, **params})
        assert resp.status_code == 200, resp.text
        return {r["id"] for r in resp.json()}

    assert bad["id"] in await ids(status="failed")
    assert ok["id"] not in await ids(status="failed")
    assert {ok["id"], bad["id"]} <= await ids(status=["failed", "succeeded"])
    assert ok["id"] in await ids(trigger="manual")
    assert ok["id"] not in await ids(trigger="webhook")
    assert await ids(q=ok["id"][:8]) == {ok["id"]}
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert ok["id"] in await ids(since=yesterday, until=tomorrow)
    assert await ids(since=tomorrow) == set()


async def test_a_bad_runs_filter_gets_a_400_naming_it(api: httpx.AsyncClient) -> None:
    for params in ({"status": "finished"}, {"q": "not-hex!"}, {"since": "yesterday"}):
        resp = await api.get("/api/runs", params=params)
        assert resp.status_code == 400, params
        assert next(iter(params)) in resp.text
