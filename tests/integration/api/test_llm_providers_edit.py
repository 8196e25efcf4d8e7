"""``PUT``/``DELETE /api/llm/providers/{id}`` and ``POST …/test``: providers stay editable."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.fakes.fixtures import _openai_server  # noqa: F401
from tests.fakes.openai import MODELS, FakeOpenAI


async def _provider(api: httpx.AsyncClient, base_url: str, key: str | None = "sk-x") -> Any:
    body = {"name": f"p-{uuid.uuid4().hex[:6]}", "kind": "openai_compatible", "base_url": base_url}
    if key:
        body["api_key"] = key
    created = await api.post("/api/llm/providers", json=body)
    assert created.status_code == 201, created.text
    return created.json()


async def test_a_provider_is_renamed_rekeyed_and_deleted_with_its_models(
    api: httpx.AsyncClient,
) -> None:
    provider = await _provider(api, "http://127.0.0.1:9/v1")
    url = f"/api/llm/providers/{provider['id']}"
    model = await api.post(
        "/api/llm/models", json={"provider_id": provider["id"], "model_key": "local-1"}
    )
    assert model.status_code == 201

    renamed = await api.put(url, json={"name": f"{provider['name']}-2", "clear_api_key": True})
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["name"], renamed.json()["has_api_key"]) == (
        f"{provider['name']}-2",
        False,
    )
    rekeyed = (await api.put(url, json={"api_key": "sk-new"})).json()
    assert rekeyed["has_api_key"] is True
    assert "sk-new" not in str(rekeyed)
    assert (await api.put(url, json={"base_url": "ftp://x"})).status_code == 400

    assert (await api.delete(url)).status_code == 204
    providers = (await api.get("/api/llm/providers")).json()
    assert provider["id"] not in {p["id"] for p in providers}
    models = (await api.get("/api/llm/models")).json()
    assert "local-1" not in {m["model_key"] for m in models}
    assert (await api.delete(url)).status_code == 404


async def test_testing_a_provider_lists_its_models_or_says_why_not(
    api: httpx.AsyncClient,
    _openai_server: FakeOpenAI,  # noqa: F811
) -> None:
    good = await _provider(api, _openai_server.base_url)
    answer = (await api.post(f"/api/llm/providers/{good['id']}/test")).json()
    assert answer["ok"] is True
    assert answer["models"] == list(MODELS)

    down = await _provider(api, "http://127.0.0.1:9/v1")
    answer = (await api.post(f"/api/llm/providers/{down['id']}/test")).json()
    assert answer["ok"] is False
    assert "refused" in answer["message"]

    # A key no HTTP header can carry is an answer, not a server error
    accented = await _provider(api, _openai_server.base_url, key="clé-à-moi")
    answer = (await api.post(f"/api/llm/providers/{accented['id']}/test")).json()
    assert answer["ok"] is False
    assert "paste its API key again" in answer["message"]
