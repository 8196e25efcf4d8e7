"""memory_schema: validated on save with errors naming the key, defaults filled in."""

from __future__ import annotations

from tests.integration.agents.conftest import User


async def test_an_empty_memory_schema_gets_the_defaults(user: User) -> None:
    agent = await user.agent("forgetful")

    assert agent["memory_schema"] == {
        "short_backend": "redis", "short_window": 20, "long_backend": None, "top_k": 5,
        "compression_strategy": "none", "decay_enabled": False, "decay_half_life_days": 30.0,
        "embedding": {"provider": "local", "model": "all-MiniLM-L6-v2", "dimensions": None},
    }  # fmt: skip


async def test_an_invalid_memory_schema_is_refused_naming_each_key(user: User) -> None:
    schema = {
        "short_backend": "floppy", "top_k": -1, "compression_strategy": "zip",
        "embedding": {"provider": ""}, "colour": "blue",
    }  # fmt: skip
    response = await user.api.post(
        "/api/agents", json={"name": "broken", "memory_schema": schema}, headers=user.headers
    )

    assert response.status_code == 400, response.text
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert set(fields) == {
        "memory_schema.short_backend", "memory_schema.top_k",
        "memory_schema.compression_strategy", "memory_schema.embedding.provider",
        "memory_schema.colour",
    }  # fmt: skip
    assert "unknown backend 'floppy'" in fields["memory_schema.short_backend"]


async def test_updating_the_memory_schema_validates_it_too(user: User) -> None:
    agent = await user.agent("mutable")

    bad = await user.api.patch(
        f"/api/agents/{agent['id']}", json={"memory_schema": {"long_backend": "s3"}},
        headers=user.headers,
    )  # fmt: skip
    good = await user.api.patch(
        f"/api/agents/{agent['id']}",
        json={"memory_schema": {"long_backend": "postgres", "short_backend": "buffer"}},
        headers=user.headers,
    )

    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "memory_schema.long_backend"
    assert good.status_code == 200, good.text
    schema = good.json()["memory_schema"]
    assert (schema["long_backend"], schema["short_backend"], schema["top_k"]) == (
        "postgres", "buffer", 5,
    )  # fmt: skip
