"""/api/agents/{id}/memories and /sessions: browse, search, add, delete; ownership; deletion
of an agent takes its memories and sessions; memory content stays out of the logs."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from kyra.db.models import AgentMemory
from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import Reply
from tests.integration.agents.conftest import User
from tests.integration.memory.conftest import FAKE_EMBEDDING

MEMORY = {"long_backend": "postgres", "embedding": FAKE_EMBEDDING}


async def test_memories_are_added_browsed_searched_and_deleted(memory_user: User) -> None:
    agent = await memory_user.agent("archivist", memory_schema=MEMORY)
    base = f"/api/agents/{agent['id']}/memories"
    note = await memory_user.post(base, {"content": "The boiler was serviced in May."}, expect=201)
    await memory_user.post(base, {"kind": "core", "key": "home", "content": "Porto"}, expect=201)
    await memory_user.post(base, {"kind": "semantic", "content": "Ana owns a cat",
                                  "subject": "Ana", "relation": "owns", "object": "a cat"},
                           expect=201)  # fmt: skip

    listed = await memory_user.get(base)
    cores = await memory_user.get(f"{base}?kind=core")
    found = await memory_user.get(f"{base}?query=boiler%20service&limit=2")
    keyword = await memory_user.get(f"{base}?query=boiler&strategy=keyword")

    assert [m["kind"] for m in listed] == ["semantic", "core", "note"]
    assert [(m["key"], m["content"]) for m in cores] == [("home", "Porto")]
    assert found[0]["id"] == note["id"] and found[0]["strategy"] == "fused" and found[0]["score"]
    assert [(m["id"], m["strategy"]) for m in keyword] == [(note["id"], "keyword")]
    deleted = await memory_user.api.delete(f"{base}/{note['id']}", headers=memory_user.headers)
    again = await memory_user.api.delete(f"{base}/{note['id']}", headers=memory_user.headers)
    assert (deleted.status_code, again.status_code) == (204, 404)


async def test_bad_memory_requests_get_400_naming_the_field(memory_user: User) -> None:
    agent = await memory_user.agent("picky", memory_schema=MEMORY)
    plain = await memory_user.agent("no-long-term")
    base = f"/api/agents/{agent['id']}/memories"

    no_key = await memory_user.api.post(base, json={"kind": "core", "content": "x"},
                                        headers=memory_user.headers)  # fmt: skip
    bad_kind = await memory_user.api.get(f"{base}?kind=dream", headers=memory_user.headers)
    off = await memory_user.api.post(
        f"/api/agents/{plain['id']}/memories", json={"content": "x"}, headers=memory_user.headers
    )

    assert no_key.status_code == 400 and "key is required" in no_key.text
    assert bad_kind.status_code == 400 and bad_kind.json()["errors"][0]["field"] == "kind"
    assert off.status_code == 400 and "long_backend" in off.json()["detail"]


async def test_sessions_are_listed_read_and_forgotten(
    memory_user: User, fake_openai: FakeOpenAI
) -> None:
    agent = await memory_user.agent("chatty", memory_schema={"short_backend": "postgres"})
    fake_openai.script(Reply(text="Hi Ada."))
    await memory_user.run(agent, "Hello, I am Ada.", mode="direct", session_id="tg-1001")

    sessions = await memory_user.get(f"/api/agents/{agent['id']}/sessions")
    window = await memory_user.get(f"/api/agents/{agent['id']}/sessions/tg-1001")
    await memory_user.api.delete(f"/api/agents/{agent['id']}/sessions/tg-1001",
                                 headers=memory_user.headers)  # fmt: skip
    after = await memory_user.get(f"/api/agents/{agent['id']}/sessions/tg-1001")

    assert [(s["session_id"], s["messages"]) for s in sessions] == [("tg-1001", 2)]
    assert [(m["role"], m["content"]) for m in window["messages"]] == [
        ("user", "Hello, I am Ada."), ("assistant", "Hi Ada."),
    ]  # fmt: skip
    assert (window["backend"], window["window"], after["messages"]) == ("postgres", 20, [])


async def test_another_owner_gets_404_everywhere(memory_user: User, owner: Any) -> None:
    agent = await memory_user.agent("private", memory_schema=MEMORY)
    note = await memory_user.post(f"/api/agents/{agent['id']}/memories", {"content": "mine"},
                                  expect=201)  # fmt: skip
    stranger = {"X-API-Key": owner.api_key}
    base = f"/api/agents/{agent['id']}"

    responses = [
        await memory_user.api.get(f"{base}/memories", headers=stranger),
        await memory_user.api.post(f"{base}/memories", json={"content": "x"}, headers=stranger),
        await memory_user.api.delete(f"{base}/memories/{note['id']}", headers=stranger),
        await memory_user.api.get(f"{base}/sessions", headers=stranger),
        await memory_user.api.get(f"{base}/sessions/s1", headers=stranger),
    ]

    assert [r.status_code for r in responses] == [404] * 5


async def test_deleting_an_agent_deletes_its_memories_and_sessions(
    memory_user: User, fake_openai: FakeOpenAI, services: Any, session_factory: Any
) -> None:
    agent = await memory_user.agent("ephemeral", memory_schema={**MEMORY, "short_backend": "redis"})
    agent_id = uuid.UUID(agent["id"])
    await memory_user.run(agent, "Remember me.", mode="direct", session_id="s-1")
    redis_window = services.memory.window("redis")
    assert [s.session_id for s in await redis_window.sessions(agent_id)] == ["s-1"]

    deleted = await memory_user.api.delete(f"/api/agents/{agent_id}", headers=memory_user.headers)

    assert deleted.status_code == 204
    assert await redis_window.sessions(agent_id) == []
    assert await redis_window.load(agent_id, "s-1", 10) == []
    async with session_factory() as session:
        left = await session.scalar(
            select(func.count()).select_from(AgentMemory).where(AgentMemory.agent_id == agent_id)
        )
    assert left == 0


async def test_the_agent_status_follows_its_runs(
    memory_user: User, fake_openai: FakeOpenAI
) -> None:
    agent = await memory_user.agent("busy")
    assert agent["status"] == "queued"

    await memory_user.run(agent, "Do it.", mode="tracked")

    assert (await memory_user.get(f"/api/agents/{agent['id']}"))["status"] == "succeeded"


async def test_memory_content_never_reaches_the_logs(
    memory_user: User, fake_openai: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "my passport number is X1234567"
    agent = await memory_user.agent("discreet", memory_schema={**MEMORY, "short_backend": "buffer"})
    fake_openai.script(Reply(text=f"Noted, {secret}."))

    with caplog.at_level(logging.DEBUG):
        await memory_user.post(f"/api/agents/{agent['id']}/memories", {"content": secret},
                               expect=201)  # fmt: skip
        await memory_user.run(agent, secret, mode="tracked", session_id="private")
        await memory_user.get(f"/api/agents/{agent['id']}/memories?query=passport")

    assert "X1234567" not in caplog.text
