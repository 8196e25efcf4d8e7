"""An agent deployed to a Telegram bot in one step, against the fake Bot API: each message runs
the agent on a real worker and its answer goes back to the chat; the deployment is listed and
removable."""

from __future__ import annotations

from typing import Any

from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import Reply
from tests.fakes.telegram import FakeTelegram, update
from tests.integration.agents.conftest import User
from tests.integration.test_telegram import PUBLIC_URL, SECRET_HEADER, bot_api, telegram  # noqa: F401


async def test_an_agent_answers_telegram_messages_in_the_chat(
    user: User,
    bot_api: FakeTelegram,  # noqa: F811
    fake_openai: FakeOpenAI,
    worker: Any,
) -> None:
    # Given an agent deployed to a bot with a token (stored as a credential)
    agent = await user.agent("concierge")
    deployed = await user.post(
        f"/api/agents/{agent['id']}/channels/telegram",
        {"token": bot_api.token, "public_url": PUBLIC_URL},
        expect=201,
    )
    assert deployed["agent_id"] == agent["id"]
    assert bot_api.webhook["url"] == f"{PUBLIC_URL}/channels/telegram/{deployed['id']}"
    listed = {d["id"]: d for d in await user.get("/api/channels")}
    assert listed[deployed["id"]]["agent_id"] == agent["id"]

    # When someone writes to the bot
    fake_openai.script(Reply(text="The spa opens at 9.", usage=(20, 8)))
    received = await user.api.post(
        f"/channels/telegram/{deployed['id']}",
        json=update(5005, "When does the spa open?", chat_id=777),
        headers={"X-API-Key": "", SECRET_HEADER: bot_api.webhook["secret_token"]},
    )
    assert received.status_code == 200, received.text

    # Then the agent's answer is sent back to that chat
    run = await user.final(received.json()["run_id"])
    assert run["status"] == "succeeded", run["error"]
    goal = [m for m in fake_openai.requests if m.path.endswith("/chat/completions")]
    assert "When does the spa open?" in str(goal[-1].body["messages"])
    sent = bot_api.calls("sendMessage")
    assert [(c.body["chat_id"], c.body["text"]) for c in sent] == [(777, "The spa opens at 9.")]

    # ... and each chat is one conversation: the chat's next message sees the first, others not
    fake_openai.script(Reply(text="At 9, as I said."), Reply(text="Hello, stranger."))
    for update_id, text, chat in ((5006, "Sorry, when?", 777), (5007, "Hi there", 888)):
        again = await user.api.post(
            f"/channels/telegram/{deployed['id']}",
            json=update(update_id, text, chat_id=chat),
            headers={"X-API-Key": "", SECRET_HEADER: bot_api.webhook["secret_token"]},
        )
        assert (await user.final(again.json()["run_id"]))["status"] == "succeeded"
    asked = [m for m in fake_openai.requests if m.path.endswith("/chat/completions")]
    seen = [[m.get("content") for m in r.body["messages"][1:]] for r in asked[-2:]]
    assert seen == [
        ["When does the spa open?", "The spa opens at 9.", "Sorry, when?"],
        ["Hi there"],
    ]
    sessions = await user.get(f"/api/agents/{agent['id']}/sessions")
    assert {s["session_id"] for s in sessions} == {"telegram:777", "telegram:888"}

    # ... and removing the deployment unregisters the bot and its graph
    removed = await user.api.delete(f"/api/channels/{deployed['id']}", headers=user.headers)
    assert removed.status_code == 204
    assert bot_api.calls("deleteWebhook")
    assert deployed["id"] not in {d["id"] for d in await user.get("/api/channels")}
    graphs = await user.get("/api/graphs")
    assert deployed["graph_id"] not in {g["id"] for g in graphs}


async def test_agents_deploy_only_to_channels_that_can_answer(
    user: User,
    bot_api: FakeTelegram,  # noqa: F811
) -> None:
    agent = await user.agent("nowhere")
    refused = await user.api.post(
        f"/api/agents/{agent['id']}/channels/carrier-pigeon",
        json={"token": "x", "public_url": PUBLIC_URL},
        headers=user.headers,
    )
    assert refused.status_code in (400, 404)
