"""Cron schedules on the real stack: derived from saved graphs, shown in the API, fired exactly
once by concurrent schedulers (passes and real processes), and the missed-fire policies."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from kyra.db.models import Schedule
from kyra.scheduler.loop import fire_due
from tests.conftest import ROOT, stop_process_group
from tests.graphs.test_examples import wait_for_final

#: New Year only: never due during a test unless a test makes it so.
YEARLY = "0 0 1 1 *"


def scheduled_graph(**params: Any) -> dict[str, Any]:
    return {
        "schema": "kyra.graph/1",
        "name": f"cron-{uuid.uuid4().hex[:8]}",
        "nodes": [
            {"id": "tick", "type": "Schedule.trigger", "params": {"cron": YEARLY, **params}},
            {
                "id": "note",
                "type": "Core.set",
                "params": {"values": {"at": "{{ trigger.scheduled_at }}"}},
            },
        ],
        "edges": [{"source": "tick", "sourcePort": "out", "target": "note", "targetPort": "in"}],
    }


async def create(api: httpx.AsyncClient, document: dict[str, Any]) -> dict[str, Any]:
    response = await api.post("/api/graphs", json=document)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def make_due(session_factory: Any, graph_id: str, due: datetime) -> None:
    async with session_factory() as session, session.begin():
        await session.execute(
            update(Schedule)
            .where(Schedule.graph_id == uuid.UUID(graph_id))  # type: ignore[arg-type]
            .values(next_fire_at=due)
        )


async def runs_of(api: httpx.AsyncClient, graph_id: str) -> list[dict[str, Any]]:
    return list((await api.get(f"/api/graphs/{graph_id}/runs")).json())


async def test_saved_graphs_show_their_schedules_next_fire_times(api: httpx.AsyncClient) -> None:
    graph = await create(api, scheduled_graph(timezone="Europe/Madrid"))

    schedules = graph["schedules"]
    assert len(schedules) == 1
    next_fire = datetime.fromisoformat(schedules[0]["next_fire_at"])
    # Midnight of New Year in Madrid is 23:00 UTC on 31 December.
    assert (next_fire.month, next_fire.day, next_fire.hour) == (12, 31, 23)
    listed = (await api.get("/api/schedules")).json()
    assert schedules[0]["id"] in {s["id"] for s in listed}

    document = graph["document"] | {"nodes": graph["document"]["nodes"][:1], "edges": []}
    document["nodes"][0]["params"]["cron"] = "30 6 * * *"
    saved = (await api.put(f"/api/graphs/{graph['id']}", json=document)).json()
    assert saved["schedules"][0]["cron"] == "30 6 * * *"
    assert saved["schedules"][0]["id"] == schedules[0]["id"]

    document["nodes"] = [{"id": "start", "type": "Manual.trigger"}]
    emptied = (await api.put(f"/api/graphs/{graph['id']}", json=document)).json()
    assert emptied["schedules"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [({"cron": "every day"}, "params.cron"), ({"timezone": "Mars/Base"}, "params.timezone")],
)
async def test_bad_cron_expressions_and_time_zones_are_refused_naming_the_field(
    api: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    response = await api.post("/api/graphs", json=scheduled_graph(**params))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert any(e["node_id"] == "tick" and e["field"] == field for e in errors), errors


async def test_two_concurrent_passes_start_a_due_occurrence_once(
    api: httpx.AsyncClient, services: Any, session_factory: Any, worker: Any
) -> None:
    graph = await create(api, scheduled_graph())
    due = datetime.now(UTC) - timedelta(seconds=1)
    await make_due(session_factory, graph["id"], due)

    await asyncio.gather(fire_due(services), fire_due(services), fire_due(services))

    runs = await runs_of(api, graph["id"])
    assert len(runs) == 1
    run = await wait_for_final(api, runs[0]["id"])
    assert run["status"] == "succeeded"
    assert run["trigger_kind"] == "schedule"
    assert run["trigger"]["scheduled_at"] == due.isoformat()
    assert run["output"] == {"note": {"at": due.isoformat()}}
    schedule = (await api.get(f"/api/graphs/{graph['id']}")).json()["schedules"][0]
    assert datetime.fromisoformat(schedule["next_fire_at"]) > datetime.now(UTC)
    assert schedule["last_fire_at"] == due.isoformat()


def scheduler(*command: str, **env: str) -> subprocess.Popen[bytes]:
    """A real scheduler process (``python -m <command>``) with the test environment."""
    return subprocess.Popen(
        [sys.executable, "-m", *command],
        cwd=ROOT,
        env={**os.environ, **env},
        start_new_session=True,
    )


async def test_two_scheduler_processes_start_one_run_per_occurrence(
    api: httpx.AsyncClient, session_factory: Any, worker: Any
) -> None:
    graphs = [await create(api, scheduled_graph()) for _ in range(3)]
    for graph in graphs:
        await make_due(session_factory, graph["id"], datetime.now(UTC) - timedelta(seconds=2))

    first, second = (scheduler("kyra.scheduler", "--once") for _ in range(2))
    codes = await asyncio.gather(asyncio.to_thread(first.wait), asyncio.to_thread(second.wait))

    assert codes == [0, 0]
    for graph in graphs:
        runs = await runs_of(api, graph["id"])
        assert len(runs) == 1
        assert (await wait_for_final(api, runs[0]["id"]))["status"] == "succeeded"


async def test_the_scheduler_process_fires_due_schedules_until_stopped(
    api: httpx.AsyncClient, session_factory: Any, worker: Any
) -> None:
    graph = await create(api, scheduled_graph(payload={"report": "daily"}))
    await make_due(session_factory, graph["id"], datetime.now(UTC) - timedelta(seconds=1))
    proc = scheduler("kyra.cli", "scheduler", KYRA_SCHEDULER_INTERVAL_SECONDS="0.2")
    try:
        deadline = asyncio.get_running_loop().time() + 30
        while not (runs := await runs_of(api, graph["id"])):
            assert proc.poll() is None, "the scheduler exited"
            assert asyncio.get_running_loop().time() < deadline, "no run was started"
            await asyncio.sleep(0.1)
    finally:
        stop_process_group(proc)
    assert proc.returncode == 0
    run = await wait_for_final(api, runs[0]["id"])
    assert run["trigger"]["payload"] == {"report": "daily"}


async def test_skip_policy_drops_occurrences_missed_during_downtime(
    api: httpx.AsyncClient, services: Any, session_factory: Any
) -> None:
    graph = await create(api, scheduled_graph(missed="skip"))
    await make_due(session_factory, graph["id"], datetime(2024, 1, 1, tzinfo=UTC))

    await fire_due(services)

    assert await runs_of(api, graph["id"]) == []
    schedule = (await api.get(f"/api/graphs/{graph['id']}")).json()["schedules"][0]
    assert datetime.fromisoformat(schedule["next_fire_at"]) > datetime.now(UTC)
    assert schedule["last_fire_at"] is None


async def test_run_once_policy_starts_one_run_for_the_missed_span(
    api: httpx.AsyncClient, services: Any, session_factory: Any, worker: Any
) -> None:
    graph = await create(api, scheduled_graph(missed="run_once"))
    await make_due(session_factory, graph["id"], datetime(2024, 1, 1, tzinfo=UTC))

    await fire_due(services)
    await fire_due(services)

    runs = await runs_of(api, graph["id"])
    assert len(runs) == 1
    run = await wait_for_final(api, runs[0]["id"])
    this_year = datetime(datetime.now(UTC).year, 1, 1, tzinfo=UTC)
    assert run["trigger"]["scheduled_at"] == this_year.isoformat()
    assert run["trigger"]["missed"] == this_year.year - 2024
    schedule = (await api.get(f"/api/graphs/{graph['id']}")).json()["schedules"][0]
    assert datetime.fromisoformat(schedule["next_fire_at"]) > datetime.now(UTC)


async def test_a_disabled_schedule_never_fires(
    api: httpx.AsyncClient, services: Any, session_factory: Any
) -> None:
    graph = await create(api, scheduled_graph(enabled=False))
    await make_due(session_factory, graph["id"], datetime.now(UTC) - timedelta(seconds=1))

    await fire_due(services)

    assert await runs_of(api, graph["id"]) == []
    assert graph["schedules"][0]["next_fire_at"] is None
