"""Fixtures for agents: a fresh user whose OpenAI provider is the fake, and API helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kyra.db.queries.llm import seed_catalogue
from tests.fakes.fixtures import (  # noqa: F401
    _anthropic_server,
    _openai_server,
    fake_anthropic,
    fake_openai,
)
from tests.fakes.openai import FakeOpenAI
from tests.waiting import eventually

#: Prices of the fake model: 1 USD per million input tokens, 2 per million output tokens.
MODEL = {
    "model_key": "gpt-4o-mini",
    "input_cost_per_1k": "0.001",
    "output_cost_per_1k": "0.002",
    "capabilities": {"tools": True, "json_mode": True},
    "is_recommended": True,
}


@pytest.fixture(scope="session")
async def catalogue(session_factory: Any) -> async_sessionmaker[AsyncSession]:
    async with session_factory.begin() as session:
        await seed_catalogue(session)
    factory: async_sessionmaker[AsyncSession] = session_factory
    return factory


@dataclass
class User:
    """An API client acting as a fresh user whose models are served by the fake."""

    api: httpx.AsyncClient
    headers: dict[str, str]

    async def post(self, path: str, body: Any = None, *, expect: int | None = None) -> Any:
        response = await self.api.post(path, json=body, headers=self.headers)
        if expect is not None:
            assert response.status_code == expect, response.text
        return response.json()

    async def get(self, path: str) -> Any:
        response = await self.api.get(path, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    async def agent(self, name: str, **fields: Any) -> dict[str, Any]:
        body = {"name": name, "default_prompt": f"You are {name}.", **fields}
        return dict(await self.post("/api/agents", body, expect=201))

    async def run(self, agent: dict[str, Any], goal: str, **options: Any) -> dict[str, Any]:
        body = {"goal": goal, **options}
        expect = 202 if options.get("mode") == "queue" else 200
        return dict(await self.post(f"/api/agents/{agent['id']}/run", body, expect=expect))

    async def final(self, run_id: str, *, statuses: tuple[str, ...] = ("paused", "failed",
                    "succeeded")) -> dict[str, Any]:  # fmt: skip
        async def final() -> dict[str, Any] | None:
            run = dict(await self.get(f"/api/runs/{run_id}"))
            return run if run["status"] in statuses else None

        return await eventually(final, what=f"run {run_id} reaching {statuses}")


@pytest.fixture
async def user(
    api: httpx.AsyncClient,
    other_owner: Any,
    catalogue: Any,
    fake_openai: FakeOpenAI,  # noqa: F811
) -> User:
    headers = {"X-API-Key": other_owner.api_key}
    provider = await api.post(
        "/api/llm/providers",
        json={"name": "fake", "kind": "openai", "base_url": fake_openai.base_url,
              "api_key": "sk-x"},
        headers=headers,
    )  # fmt: skip
    assert provider.status_code == 201, provider.text
    model = {"provider_id": provider.json()["id"], **MODEL}
    assert (await api.post("/api/llm/models", json=model, headers=headers)).status_code == 201
    return User(api, headers)
