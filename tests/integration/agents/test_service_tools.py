"""Service nodes are agent tools too: an agent posts to Discord through a webhook credential
named in its tool settings, and the message is sent once."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.fakes.discord import FakeDiscord
from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import Reply, ToolUse
from tests.integration.agents.conftest import User


@pytest.fixture(scope="module")
def discord() -> Iterator[FakeDiscord]:
    server = FakeDiscord().start()
    yield server
    server.stop()


async def test_an_agent_posts_to_discord_with_the_credential_of_its_tool_settings(
    user: User, discord: FakeDiscord, fake_openai: FakeOpenAI
) -> None:
    hook = await user.post("/api/credentials", {"name": "alerts hook", "kind": "discord_webhook",
                                                "data": {"webhook_url": discord.webhook_url}},
                           expect=201)  # fmt: skip
    settings = {"tool_settings": {
        "Discord.send_message": {"credentials": {"discord_webhook": hook["id"]}}}}  # fmt: skip
    agent = await user.agent("herald", tools=["Discord.send_message"], settings=settings)
    fake_openai.script(
        Reply(text="", tool_calls=[ToolUse("Discord__send_message",
                                           {"content": "Deploy finished ✅"})]),
        Reply(text="Posted."),
    )  # fmt: skip

    answer = await user.run(agent, "Tell the team the deploy finished.")

    assert answer["answer"] == "Posted."
    [message] = discord.messages
    assert message["content"] == "Deploy finished ✅"
    result = json.loads(fake_openai.requests[1].body["messages"][-1]["content"])
    assert result["message_id"] == message["id"]
    tools = {t["function"]["name"] for t in fake_openai.requests[0].body["tools"]}
    assert tools == {"Discord__send_message"}
