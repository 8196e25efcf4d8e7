"""``GET /api/triggers`` (every trigger of every graph: URL or next fire time, last run) and
``PATCH /api/triggers/{kind}/{id}`` (a disabled webhook answers 404 and stays disabled across
saves; a disabled schedule has no next fire time)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx


def _graph(name: str, trigger: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema": "kyra.graph/1",
        "name": name,
        "nodes": [trigger, {"id": "set", "type": "Core.set", "params": {"values": {"a": 1}}}],
        "edges": [{"source": trigger["id"], "target": "set"}],
    }


async def test_every_trigger_is_listed_and_can_be_switched_off(
    api: httpx.AsyncClient, other_owner: Any
) -> None:
    tag = uuid.uuid4().hex[:8]
    hook = {"id": "hook", "type": "Webhook.trigger", "params": {"path": f"listed-{tag}"}}
    tick = {"id": "tick", "type": "Schedule.trigger", "params": {"cron": "0 9 * * 1-5"}}
    hooked = (await api.post("/api/graphs", json=_graph(f"hooked-{tag}", hook))).json()
    timed = (await api.post("/api/graphs", json=_graph(f"timed-{tag}", tick))).json()
    assert (await api.post(f"/hooks/listed-{tag}", json={})).is_success

    listed = {t["graph_id"]: t for t in (await api.get("/api/triggers")).json()}
    webhook, schedule = listed[hooked["id"]], listed[timed["id"]]
    assert webhook["kind"] == "webhook" and webhook["enabled"] is True
    assert webhook["url"] == f"http://testserver/hooks/listed-{tag}"
    assert webhook["graph_name"] == f"hooked-{tag}" and webhook["last_run_at"] is not None
    assert schedule["kind"] == "schedule" and schedule["cron"] == "0 9 * * 1-5"
    assert schedule["next_fire_at"] is not None and schedule["last_run_at"] is None

    # Switched off: the webhook refuses requests, even after the graph is saved again
    off = await api.patch(f"/api/triggers/webhook/{webhook['id']}", json={"enabled": False})
    assert off.status_code == 200 and off.json()["enabled"] is False
    refused = await api.post(f"/hooks/listed-{tag}", json={})
    assert refused.status_code == 404 and "disabled" in refused.json()["detail"]
    saved = await api.put(f"/api/graphs/{hooked['id']}", json=_graph(f"hooked-{tag}", hook))
    assert saved.is_success, saved.text
    assert (await api.post(f"/hooks/listed-{tag}", json={})).status_code == 404
    # (saving recreates the graph's webhook rows: the list gives the current id)
    listed = {t["graph_id"]: t for t in (await api.get("/api/triggers")).json()}
    assert listed[hooked["id"]]["enabled"] is False
    on = await api.patch(
        f"/api/triggers/webhook/{listed[hooked['id']]['id']}", json={"enabled": True}
    )
    assert on.status_code == 200
    assert (await api.post(f"/hooks/listed-{tag}", json={})).is_success

    paused = await api.patch(f"/api/triggers/schedule/{schedule['id']}", json={"enabled": False})
    assert paused.status_code == 200
    listed = {t["graph_id"]: t for t in (await api.get("/api/triggers")).json()}
    assert listed[timed["id"]]["enabled"] is False and listed[timed["id"]]["next_fire_at"] is None

    # Another member sees none of them and cannot switch them
    theirs = {"X-API-Key": other_owner.api_key}
    assert hooked["id"] not in {
        t["graph_id"] for t in (await api.get("/api/triggers", headers=theirs)).json()
    }
    stolen = await api.patch(
        f"/api/triggers/schedule/{schedule['id']}", json={"enabled": True}, headers=theirs
    )
    assert stolen.status_code == 404
