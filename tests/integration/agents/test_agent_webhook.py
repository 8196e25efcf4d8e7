"""``POST /hooks/agents/{name}``: signed with the agent's webhook secret (good, bad, stale,
replayed), answering with the agent's answer (sync) or a run id (async)."""

from __future__ import annotations

import json
import time
from typing import Any

from kyra.signatures import sign
from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import Reply
from tests.integration.agents.conftest import User

SECRET = "agent-hook-secret-0123456789"


async def _hook(user: User, name: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    raw = json.dumps(body).encode()
    return await user.api.post(
        f"/hooks/agents/{name}",
        content=raw,
        headers={"Content-Type": "application/json", "X-API-Key": "", **headers},
    )


def _signed(body: dict[str, Any], secret: str = SECRET, at: int | None = None) -> dict[str, str]:
    return sign(secret, json.dumps(body).encode(), at)


async def test_a_signed_request_gets_the_agents_answer(user: User, fake_openai: FakeOpenAI) -> None:
    agent = await user.agent("hooked", webhook_secret=SECRET)
    assert agent["has_webhook_secret"] is True
    fake_openai.script(Reply(text="Paris", usage=(10, 2)))
    body = {"goal": "Capital of France?"}

    answer = await _hook(user, "hooked", body, _signed(body))

    assert answer.status_code == 200, answer.text
    assert answer.json()["answer"] == "Paris"
    run = await user.get(f"/api/runs/{answer.json()['run_id']}")
    assert run["status"] == "succeeded" and run["trigger"]["goal"] == "Capital of France?"


async def test_bad_stale_missing_and_replayed_signatures_start_nothing(
    user: User, fake_openai: FakeOpenAI, worker: Any
) -> None:
    agent = await user.agent("guarded", webhook_secret=SECRET)
    body = {"goal": "Hi", "mode": "async"}
    runs_before = await user.get(f"/api/agents/{agent['id']}/runs")

    wrong = await _hook(user, "guarded", body, _signed(body, secret="another-secret-123"))
    stale = await _hook(user, "guarded", body, _signed(body, at=int(time.time()) - 3600))
    unsigned = await _hook(user, "guarded", body, {})
    tampered = await _hook(user, "guarded", {"goal": "Bye", "mode": "async"}, _signed(body))

    assert [r.status_code for r in (wrong, stale, unsigned, tampered)] == [401] * 4
    assert "outside" in stale.json()["detail"]
    assert await user.get(f"/api/agents/{agent['id']}/runs") == runs_before

    # A signed async request is accepted once; the same request again starts nothing
    headers = _signed(body)
    first = await _hook(user, "guarded", body, headers)
    again = await _hook(user, "guarded", body, headers)
    assert first.status_code == 202, first.text
    assert again.status_code == 409 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["run_id"] == first.json()["run_id"]
    assert len(await user.get(f"/api/agents/{agent['id']}/runs")) == len(runs_before) + 1
    # ... and the accepted run is answered by a worker (not left for a later test's one)
    assert (await user.final(first.json()["run_id"]))["status"] == "succeeded"


async def test_agents_without_a_secret_or_with_a_bad_body_are_refused(
    user: User, fake_openai: FakeOpenAI
) -> None:
    await user.agent("open-door")
    body = {"goal": "Hi"}
    assert (await _hook(user, "open-door", body, _signed(body))).status_code == 404
    await user.agent("strict", webhook_secret=SECRET)
    bad = {"goal": "", "mode": "later"}
    refused = await _hook(user, "strict", bad, _signed(bad))
    assert refused.status_code == 400
    assert {e["field"] for e in refused.json()["errors"]} == {"goal", "mode"}
