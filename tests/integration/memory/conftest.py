"""Fixtures for memory: a fresh user whose fake provider serves chat and embedding models, and
memory managers on the real PostgreSQL and Redis."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from kyra.memory.manager import MemoryManager
from kyra.memory.schema import parse_memory_schema
from kyra.services.llm import RunLLM
from tests.integration.agents.conftest import (  # noqa: F401
    User,
    _anthropic_server,
    _openai_server,
    catalogue,
    fake_anthropic,
    fake_openai,
    user,
)

#: The fake's embedding model, priced like OpenAI's text-embedding-3-small.
EMBEDDING_MODEL = {
    "model_key": "text-embedding-3-small",
    "input_cost_per_1k": "0.00002",
    "output_cost_per_1k": "0",
    "capabilities": {"embeddings": True},
}
#: A memory schema embedding through the fake provider (fast, deterministic vectors).
FAKE_EMBEDDING = {"provider": "fake", "model": "text-embedding-3-small"}


@pytest.fixture
async def memory_user(user: User) -> User:  # noqa: F811
    """The agents' fresh user, with the fake's embedding model in its catalogue."""
    providers = await user.get("/api/llm/providers")
    fake = next(p for p in providers if p["name"] == "fake")
    await user.post("/api/llm/models", {"provider_id": fake["id"], **EMBEDDING_MODEL}, expect=201)
    return user


ManagerFactory = Callable[..., Any]


@pytest.fixture
def managers(services: Any, other_owner: Any, memory_user: User) -> ManagerFactory:
    """``await managers(name, **schema)``: a saved agent of the user and its memory manager."""

    async def build(name: str, **schema: Any) -> tuple[dict[str, Any], MemoryManager]:
        body = {"long_backend": "postgres", "embedding": FAKE_EMBEDDING, **schema}
        agent = await memory_user.agent(name, memory_schema=body)
        agent_id = uuid.UUID(agent["id"])
        llm = RunLLM(
            session_factory=services.session_factory, owner_id=other_owner.id, agent_id=agent_id
        )
        parsed = parse_memory_schema(agent["memory_schema"], default_short="redis")
        return agent, services.memory.manager(agent_id, parsed, llm=llm)

    return build
