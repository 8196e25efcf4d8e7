"""Session windows on every short-term backend: idempotent appends, trimming, listing."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from kyra.memory.backends import ENTRY_POINT_GROUP, create_short_backend, short_backend_names
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


def test_a_package_registers_a_backend_through_the_entry_point_group(tmp_path: Path) -> None:
    """An installed distribution naming a module in ``kyra.memory_backends`` adds its backend:
    the registry lists it and a memory schema naming it validates (a fresh interpreter, so the
    registry is loaded the way a process loads it)."""
    (tmp_path / "floppy_memory.py").write_text(
        "from kyra.memory.backends import register_backend\n\n\n"
        '@register_backend("floppy", role="short")\n'
        "class FloppyWindow:\n"
        "    def __init__(self, resources):\n"
        "        self.resources = resources\n"
    )
    info = tmp_path / "floppy_memory-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: floppy-memory\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nfloppy = floppy_memory\n")
    probe = (
        "from kyra.memory.backends import short_backend_names\n"
        "from kyra.memory.schema import parse_memory_schema\n"
        "print(sorted(short_backend_names()))\n"
        "schema = parse_memory_schema({'short_backend': 'floppy'}, default_short='redis')\n"
        "print(schema.short_backend)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}

    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )

    assert done.returncode == 0, done.stderr
    names, chosen = done.stdout.splitlines()
    assert names == str(["buffer", "floppy", "postgres", "redis"]) and chosen == "floppy"
