"""The Telegram channel against a local fake Bot API: deploy (getMe + setWebhook with a
secret_token), updates checked against the secret and de-duplicated by update_id, replies sent
by the graph's Telegram.send_message node on a real worker, undeploy."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fakes.telegram import FakeTelegram, update
from tests.graphs.test_examples import wait_for_final
from tests.waiting import eventually

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PUBLIC_URL = "https://kyra.example.org"


@pytest.fixture(scope="module")
def telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


@pytest.fixture
def bot_api(telegram: FakeTelegram, services: Any, monkeypatch: pytest.MonkeyPatch) -> FakeTelegram:
    """The fake, as the API process's configured Bot API base URL."""
    monkeypatch.setattr(services.settings, "telegram_api_base", telegram.url)
    telegram.reset()
    return telegram


def echo_bot(credential_id: str | None = None) -> dict[str, Any]:
    send: dict[str, Any] = {
        "id": "answer",
        "type": "Telegram.send_message",
        "params": {"text": "You said: {{ trigger.text }}"},
    }
    if credential_id:
        send["credentials"] = {"telegram_bot": credential_id}
    return {
        "schema": "kyra.graph/1",
        "name": f"bot-{uuid.uuid4().hex[:8]}",
        "nodes": [{"id": "incoming", "type": "Telegram.trigger"}, send],
        "edges": [
            {"source": "incoming", "sourcePort": "out", "target": "answer", "targetPort": "in"}
        ],
    }


async def deployed_bot(api: httpx.AsyncClient, fake: FakeTelegram) -> tuple[str, dict[str, Any]]:
    """A deployed echo bot whose reply node uses the bot's credential; (graph id, deployment)."""
    credential = await api.post(
        "/api/credentials",
        json={
            "name": f"bot-{uuid.uuid4().hex[:8]}",
            "kind": "telegram_bot",
            "data": {"token": fake.token, "api_base": fake.url},
        },
    )
    assert credential.status_code == 201, credential.text
    credential_id = credential.json()["id"]
    created = await api.post("/api/graphs", json=echo_bot(credential_id))
    assert created.status_code == 201, created.text
    graph_id = created.json()["id"]
    deployed = await api.post(
        f"/api/graphs/{graph_id}/channels/telegram",
        json={"credential_id": credential_id, "public_url": PUBLIC_URL},
    )
    assert deployed.status_code == 201, deployed.text
    return graph_id, deployed.json()


async def post_update(
    api: httpx.AsyncClient, deployment_id: str, body: dict[str, Any], secret: str | None
) -> httpx.Response:
    headers = {"X-API-Key": ""}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    return await api.post(f"/channels/telegram/{deployment_id}", json=body, headers=headers)


async def runs_of(api: httpx.AsyncClient, graph_id: str) -> list[dict[str, Any]]:
    return list((await api.get(f"/api/graphs/{graph_id}/runs")).json())


async def test_deploying_registers_the_webhook_with_a_secret_token(
    api: httpx.AsyncClient, bot_api: FakeTelegram
) -> None:
    _, deployment = await deployed_bot(api, bot_api)

    assert [r.path.rsplit("/", 1)[-1] for r in bot_api.requests] == ["getMe", "setWebhook"]
    assert bot_api.webhook["url"] == f"{PUBLIC_URL}/channels/telegram/{deployment['id']}"
    assert len(bot_api.webhook["secret_token"]) >= 32
    assert deployment["config"]["bot_username"] == "kyra_test_bot"
    assert bot_api.webhook["secret_token"] not in str(deployment)
    listed = (await api.get("/api/channels")).json()
    assert deployment["id"] in {d["id"] for d in listed}


async def test_a_message_runs_the_graph_once_and_the_bot_answers(
    api: httpx.AsyncClient, bot_api: FakeTelegram, worker: Any
) -> None:
    graph_id, deployment = await deployed_bot(api, bot_api)
    secret = bot_api.webhook["secret_token"]
    message = update(1001, "hello bot", chat_id=4242)

    first = await post_update(api, deployment["id"], message, secret)
    # Telegram re-delivers an update it thinks failed; the repeat starts nothing new.
    again = await post_update(api, deployment["id"], message, secret)

    assert first.status_code == again.status_code == 200
    assert first.json()["run_id"] == again.json()["run_id"]
    run = await wait_for_final(api, first.json()["run_id"])
    assert run["status"] == "succeeded", run["error"]
    assert run["trigger_kind"] == "telegram"
    assert run["trigger"]["text"] == "hello bot"
    sent = bot_api.calls("sendMessage")
    assert [(c.body["chat_id"], c.body["text"]) for c in sent] == [(4242, "You said: hello bot")]
    assert len(await runs_of(api, graph_id)) == 1


async def test_twenty_concurrent_deliveries_of_one_update_start_one_run(
    api: httpx.AsyncClient, bot_api: FakeTelegram, worker: Any
) -> None:
    graph_id, deployment = await deployed_bot(api, bot_api)
    secret = bot_api.webhook["secret_token"]

    responses = await asyncio.gather(
        *(post_update(api, deployment["id"], update(2002, "hi"), secret) for _ in range(20))
    )

    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["run_id"] for r in responses}) == 1
    runs = await runs_of(api, graph_id)
    assert len(runs) == 1
    await wait_for_final(api, runs[0]["id"])
    assert len(bot_api.calls("sendMessage")) == 1


@pytest.mark.parametrize("secret", [None, "", "not-the-secret"])
async def test_updates_without_the_secret_token_are_refused_and_start_nothing(
    api: httpx.AsyncClient, bot_api: FakeTelegram, secret: str | None
) -> None:
    graph_id, deployment = await deployed_bot(api, bot_api)

    response = await post_update(api, deployment["id"], update(3003, "spoofed"), secret)

    assert response.status_code == 401
    assert await runs_of(api, graph_id) == []


async def test_undeploying_deletes_the_webhook_and_stops_accepting_updates(
    api: httpx.AsyncClient, bot_api: FakeTelegram
) -> None:
    graph_id, deployment = await deployed_bot(api, bot_api)
    secret = bot_api.webhook["secret_token"]

    removed = await api.delete(f"/api/graphs/{graph_id}/channels/telegram")

    assert removed.status_code == 204
    assert bot_api.calls("deleteWebhook")
    late = await post_update(api, deployment["id"], update(4004, "late"), secret)
    assert late.status_code == 404
    assert (await api.delete(f"/api/graphs/{graph_id}/channels/telegram")).status_code == 404


async def test_deploying_with_a_token_stores_it_as_an_encrypted_credential(
    api: httpx.AsyncClient, bot_api: FakeTelegram
) -> None:
    graph_id = (await api.post("/api/graphs", json=echo_bot())).json()["id"]

    deployed = await api.post(
        f"/api/graphs/{graph_id}/channels/telegram",
        json={"token": bot_api.token, "public_url": PUBLIC_URL},
    )

    assert deployed.status_code == 201, deployed.text
    credentials = (await api.get("/api/credentials")).json()
    stored = next(c for c in credentials if c["id"] == deployed.json()["credential_id"])
    assert stored["kind"] == "telegram_bot"
    assert bot_api.token not in str(credentials)


async def test_a_token_telegram_refuses_deploys_nothing(
    api: httpx.AsyncClient, bot_api: FakeTelegram
) -> None:
    graph_id = (await api.post("/api/graphs", json=echo_bot())).json()["id"]

    refused = await api.post(
        f"/api/graphs/{graph_id}/channels/telegram",
        json={"token": "123:wrong", "public_url": PUBLIC_URL},
    )

    assert refused.status_code == 400
    assert "Unauthorized" in refused.json()["detail"]
    assert "123:wrong" not in refused.text
    assert graph_id not in {d["graph_id"] for d in (await api.get("/api/channels")).json()}


async def test_deploy_refuses_graphs_without_the_trigger_and_unknown_channels(
    api: httpx.AsyncClient, bot_api: FakeTelegram
) -> None:
    document = echo_bot()
    document["nodes"][0] = {"id": "incoming", "type": "Manual.trigger"}
    graph_id = (await api.post("/api/graphs", json=document)).json()["id"]
    body = {"token": bot_api.token, "public_url": PUBLIC_URL}

    no_trigger = await api.post(f"/api/graphs/{graph_id}/channels/telegram", json=body)
    unknown = await api.post(f"/api/graphs/{graph_id}/channels/carrier-pigeon", json=body)
    both = await api.post(
        f"/api/graphs/{graph_id}/channels/telegram",
        json={**body, "credential_id": str(uuid.uuid4())},
    )

    assert no_trigger.status_code == 400
    assert "Telegram.trigger" in no_trigger.json()["detail"]
    assert unknown.status_code == 404
    assert both.status_code == 400
    assert bot_api.calls("setWebhook") == []


# --- replying with the run's output -------------------------------------------------------------


def answering_bot(expression: str) -> dict[str, Any]:
    """Telegram.trigger → Core.set: the graph only computes; the deployment replies."""
    return {
        "schema": "kyra.graph/1",
        "name": f"replier-{uuid.uuid4().hex[:8]}",
        "nodes": [
            {"id": "incoming", "type": "Telegram.trigger"},
            {"id": "echo", "type": "Core.set", "params": {"values": {"said": expression}}},
        ],
        "edges": [{"source": "incoming", "target": "echo"}],
    }


async def deploy_replying(
    api: httpx.AsyncClient, fake: FakeTelegram, document: dict[str, Any], **reply: str
) -> dict[str, Any]:
    graph_id = (await api.post("/api/graphs", json=document)).json()["id"]
    deployed = await api.post(
        f"/api/graphs/{graph_id}/channels/telegram",
        json={"token": fake.token, "public_url": PUBLIC_URL, **reply},
    )
    assert deployed.status_code == 201, deployed.text
    return dict(deployed.json())


async def test_a_deployment_with_reply_output_answers_the_chat_with_the_runs_output(
    api: httpx.AsyncClient, bot_api: FakeTelegram, worker: Any
) -> None:
    document = answering_bot("Echo: {{ trigger.text }}")
    deployment = await deploy_replying(
        api, bot_api, document, reply="output", reply_path="echo.said"
    )
    assert deployment["config"]["reply"] == {"from": "output", "path": "echo.said"}
    secret = bot_api.webhook["secret_token"]

    answered = await post_update(api, deployment["id"], update(5005, "ping", chat_id=77), secret)
    again = await post_update(api, deployment["id"], update(5005, "ping", chat_id=77), secret)

    run = await wait_for_final(api, answered.json()["run_id"])
    assert run["status"] == "succeeded", run["error"]
    replies = await eventually(lambda: _async(bot_api.calls("sendMessage")), what="the bot's reply")
    assert again.json()["run_id"] == run["id"]
    assert [r.body for r in replies] == [
        {
            "chat_id": 77,
            "text": "Echo: ping",
            "reply_parameters": {"message_id": 50050, "allow_sending_without_reply": True},
        }
    ]


async def test_without_a_path_the_whole_output_is_sent_and_failed_runs_send_nothing(
    api: httpx.AsyncClient, bot_api: FakeTelegram, worker: Any
) -> None:
    # 100 // 0 fails the node for text that is no number.
    document = answering_bot("{{ 100 // (trigger.text | int) }}")
    document["nodes"][1]["params"]["values"]["units"] = "apples"
    deployment = await deploy_replying(api, bot_api, document, reply="output")
    secret = bot_api.webhook["secret_token"]

    bad = await post_update(api, deployment["id"], update(6006, "many", chat_id=8), secret)
    good = await post_update(api, deployment["id"], update(6007, "3", chat_id=8), secret)

    assert (await wait_for_final(api, bad.json()["run_id"]))["status"] == "failed"
    assert (await wait_for_final(api, good.json()["run_id"]))["status"] == "succeeded"
    [reply] = await eventually(lambda: _async(bot_api.calls("sendMessage")), what="one reply")
    assert json.loads(reply.body["text"]) == {"said": 33, "units": "apples"}


async def test_reply_options_are_checked(api: httpx.AsyncClient, bot_api: FakeTelegram) -> None:
    graph_id = (await api.post("/api/graphs", json=answering_bot("x"))).json()["id"]
    body = {"token": bot_api.token, "public_url": PUBLIC_URL}

    unknown = await api.post(
        f"/api/graphs/{graph_id}/channels/telegram", json={**body, "reply": "everything"}
    )
    bad_path = await api.post(
        f"/api/graphs/{graph_id}/channels/telegram",
        json={**body, "reply": "output", "reply_path": "echo..said"},
    )

    assert unknown.status_code == bad_path.status_code == 400
    assert "reply" in unknown.text and "reply_path" in bad_path.text
    assert bot_api.calls("setWebhook") == []


async def _async(value: Any) -> Any:
    return value
