"""Session windows on every short-term backend: idempotent appends, trimming, listing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from kyra.memory.backends import create_short_backend, short_backend_names
from kyra.memory.manager import coherent_window


@pytest.fixture(params=["buffer", "redis", "postgres"])
async def window(request: pytest.FixtureRequest, services: Any) -> Any:
    return services.memory.window(request.param)


async def _agent(memory_user: Any) -> uuid.UUID:
    agent = await memory_user.agent(f"w-{uuid.uuid4().hex[:8]}")
    return uuid.UUID(agent["id"])


async def test_a_window_keeps_the_last_messages_and_skips_repeated_keys(
    window: Any, memory_user: Any
) -> None:
    agent_id = await _agent(memory_user)
    entries = [(f"k{i}", {"role": "user", "content": f"m{i}"}) for i in range(5)]

    await window.append(agent_id, "s1", entries[:3], window=4)
    await window.append(agent_id, "s1", entries[1:], window=4)  # k1, k2 again
    await window.append(agent_id, "s2", entries[:1], window=4)

    assert [m["content"] for m in await window.load(agent_id, "s1", 10)] == ["m1", "m2", "m3", "m4"]
    assert [m["content"] for m in await window.load(agent_id, "s1", 2)] == ["m3", "m4"]
    sessions = await window.sessions(agent_id)
    assert [(s.session_id, s.messages) for s in sessions] == [("s2", 1), ("s1", 4)]
    await window.clear(agent_id, "s1")
    assert await window.load(agent_id, "s1", 10) == []
    await window.clear(agent_id)
    assert await window.sessions(agent_id) == []


def test_the_builtin_backends_are_registered() -> None:
    assert {"buffer", "redis", "postgres"} <= short_backend_names()
    with pytest.raises(KeyError):
        create_short_backend("floppy", None)  # type: ignore[arg-type]


def test_a_trimmed_window_starts_at_a_user_message() -> None:
    messages = [
        {"role": "tool", "tool_call_id": "c1", "content": "42"},
        {"role": "assistant", "content": "It is 42."},
        {"role": "user", "content": "And now?"},
        {"role": "assistant", "content": "Still 42."},
    ]
    assert coherent_window(messages) == messages[2:]
