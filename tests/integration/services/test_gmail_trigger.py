"""Gmail.trigger polls the mailbox history from a stored cursor and starts one run per new
message, once; Gmail nodes run on the worker, and a redelivered node does not send twice."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from kyra.scheduler.polls import poll_due
from tests.fakes.gmail import PREFIX, FakeGmail, google_error
from tests.graphs.test_examples import wait_for_final
from tests.integration.services.conftest import run_node


@pytest.fixture
async def watching(api: httpx.AsyncClient) -> AsyncIterator[list[str]]:
    """Graphs created by the test, deleted after it (their polls would keep polling)."""
    created: list[str] = []
    yield created
    for graph_id in created:
        await api.delete(f"/api/graphs/{graph_id}")


async def watching_graph(
    api: httpx.AsyncClient, credential: str, created: list[str]
) -> dict[str, Any]:
    subject = {"subject": "{{ trigger.subject }}", "from": "{{ trigger.from }}"}
    document = {
        "schema": "kyra.graph/1",
        "name": f"inbox-{uuid.uuid4().hex[:8]}",
        "nodes": [
            {"id": "mail", "type": "Gmail.trigger", "credentials": {"gmail": credential},
             "params": {"poll_seconds": 30}},
            {"id": "note", "type": "Core.set", "params": {"values": subject}},
        ],
        "edges": [{"source": "mail", "target": "note"}],
    }  # fmt: skip
    answer = await api.post("/api/graphs", json=document)
    assert answer.status_code == 201, answer.text
    created.append(answer.json()["id"])
    return dict(answer.json())


async def polls_of(api: httpx.AsyncClient, graph_id: str) -> dict[str, Any]:
    return dict((await api.get(f"/api/graphs/{graph_id}")).json()["polls"][0])


async def poll(services: Any, *, after_s: float) -> int:
    """One scheduler pass as if ``after_s`` seconds had passed (every poll is due)."""
    return await poll_due(services, now=datetime.now(UTC) + timedelta(seconds=after_s))


async def finished_runs(api: httpx.AsyncClient, graph_id: str) -> list[dict[str, Any]]:
    runs = (await api.get(f"/api/graphs/{graph_id}/runs")).json()
    return [await wait_for_final(api, r["id"]) for r in runs]


async def test_new_mail_starts_one_run_per_message_from_a_stored_cursor(
    api: httpx.AsyncClient, fake_gmail: FakeGmail, gmail_credential: str, services: Any,
    worker: Any, watching: list[str],
) -> None:  # fmt: skip
    fake_gmail.deliver(sender="old@example.org", subject="Before", text="already here")
    graph = await watching_graph(api, gmail_credential, watching)
    assert graph["polls"][0] | {"next_poll_at": "-"} == {
        "node_id": "mail", "node_type": "Gmail.trigger", "interval_seconds": 30,
        "enabled": True, "next_poll_at": "-", "last_polled_at": None, "last_error": None,
        "runs_started": 0, "started": False,
    }  # fmt: skip

    assert await poll(services, after_s=0) == 0  # the first poll starts from now
    cursor = fake_gmail.history_id
    first = fake_gmail.deliver(sender="Bo <bo@example.org>", subject="Lunch?", text="At one")
    second = fake_gmail.deliver(sender="cy@example.org", subject="Invoice", text="Attached")
    fake_gmail.reset_requests()

    assert await poll(services, after_s=31) == 2
    assert await poll(services, after_s=62) == 0

    history = fake_gmail.calls("GET", "/history")[0]
    assert history.query == {"startHistoryId": str(cursor), "historyTypes": "messageAdded",
                             "labelId": "INBOX", "maxResults": "50"}  # fmt: skip
    reads = [r.path for r in fake_gmail.calls("GET", "") if "/messages/" in r.path]
    assert reads == [f"{PREFIX}/messages/{first.id}", f"{PREFIX}/messages/{second.id}"]
    runs = await finished_runs(api, graph["id"])
    assert sorted((r["trigger_kind"], r["output"]["note"]["subject"]) for r in runs) == [
        ("poll", "Invoice"), ("poll", "Lunch?"),
    ]  # fmt: skip
    assert all(r["status"] == "succeeded" for r in runs)
    state = await polls_of(api, graph["id"])
    assert (state["started"], state["runs_started"], state["last_error"]) == (True, 2, None)


async def test_a_failed_poll_keeps_its_cursor_and_shows_the_error_until_one_works(
    api: httpx.AsyncClient, fake_gmail: FakeGmail, gmail_credential: str, services: Any,
    worker: Any, watching: list[str],
) -> None:  # fmt: skip
    graph = await watching_graph(api, gmail_credential, watching)
    await poll(services, after_s=0)
    fake_gmail.deliver(sender="a@example.org", subject="Hello", text="Hi")
    fake_gmail.failures.append(google_error(500, "Backend Error"))

    assert await poll(services, after_s=31) == 0
    assert (await polls_of(api, graph["id"]))["last_error"] == (
        "Gmail history.list failed: 500 Backend Error"
    )
    assert await poll(services, after_s=62) == 1
    assert (await polls_of(api, graph["id"]))["last_error"] is None


async def test_history_gmail_no_longer_keeps_restarts_the_cursor_from_now(
    api: httpx.AsyncClient,
    fake_gmail: FakeGmail,
    gmail_credential: str,
    services: Any,
    watching: list[str],
) -> None:
    graph = await watching_graph(api, gmail_credential, watching)
    await poll(services, after_s=0)
    fake_gmail.deliver(sender="a@example.org", subject="Lost", text="in the gap")
    fake_gmail.oldest_history_id = fake_gmail.history_id + 1  # a week passed

    assert await poll(services, after_s=31) == 0

    assert (await polls_of(api, graph["id"]))["last_error"] is None
    assert [r.path for r in fake_gmail.requests][-2:] == [f"{PREFIX}/history", f"{PREFIX}/profile"]


async def test_two_schedulers_polling_at_once_start_each_message_once(
    api: httpx.AsyncClient,
    fake_gmail: FakeGmail,
    gmail_credential: str,
    services: Any,
    watching: list[str],
) -> None:
    graph = await watching_graph(api, gmail_credential, watching)
    await poll(services, after_s=0)
    fake_gmail.deliver(sender="a@example.org", subject="One", text="1")

    started = await asyncio.gather(poll(services, after_s=31), poll(services, after_s=31))

    assert sorted(started) == [0, 1]
    assert len((await api.get(f"/api/graphs/{graph['id']}/runs")).json()) == 1


async def test_a_send_on_the_worker_redelivered_after_a_crash_is_not_sent_again(
    api: httpx.AsyncClient, fake_gmail: FakeGmail, gmail_credential: str, session_factory: Any,
    worker: Any,
) -> None:  # fmt: skip
    node = {"type": "Gmail.send_message", "credentials": {"gmail": gmail_credential},
            "params": {"to": "bo@example.org", "subject": "Once", "text": "only once"}}  # fmt: skip
    first = await run_node(api, node, mode="queue")
    assert first["status"] == "succeeded", first["error"]
    assert len(fake_gmail.sent()) == 1

    # The state a worker leaves when it dies after Gmail accepted the message (and the node
    # recorded it) but before the outcome was written: the reaper hands the node to a worker.
    async with session_factory() as session, session.begin():
        await session.execute(
            text(
                "UPDATE node_runs SET status = 'running', output = NULL, finished_at = NULL, "
                "lease_owner = 'dead-worker', lease_expires_at = now() - interval '1 second' "
                "WHERE id = :id"
            ),
            {"id": uuid.UUID(first["id"])},
        )
        run_id = await session.scalar(
            text("SELECT run_id FROM node_runs WHERE id = :id"), {"id": uuid.UUID(first["id"])}
        )
        await session.execute(text("UPDATE runs SET status = 'running', finished_at = NULL "
                                   "WHERE id = :id"), {"id": run_id})  # fmt: skip

    again = await wait_for_final(api, str(run_id))

    assert again["status"] == "succeeded", again["error"]
    redone = next(n for n in again["node_runs"] if n["node_id"] == "call")
    assert redone["attempt"] == first["attempt"] + 1
    assert redone["output"] == first["output"]
    assert len(fake_gmail.sent()) == 1
    assert len(fake_gmail.calls("POST", "/messages/send")) == 1
