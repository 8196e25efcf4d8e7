"""Service handlers are agent tools too: same schema, same credentials (from the agent's tool
settings), same service calls; the secrets the tools read never reach the model."""

from __future__ import annotations

import json
import time

from kyra.registry import default_registry
from tests.fakes.fixtures import _openai_server, fake_openai  # noqa: F401
from tests.fakes.gmail import FakeGmail
from tests.fakes.oauth import FakeOAuth
from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import Reply, ToolUse
from tests.fakes.slack import PASTED_TOKEN, FakeSlack
from tests.integration.agents.conftest import User, catalogue, user  # noqa: F401


def test_every_service_node_is_offered_as_a_tool_with_its_schema() -> None:
    tools = {t["function"]["name"]: t["function"] for t in default_registry().tool_definitions()}
    expected = {
        "Gmail__send_message",
        "Gmail__reply",
        "Gmail__list_messages",
        "Gmail__get_message",
        "Gmail__modify_labels",
        "Slack__post_message",
        "Slack__update_message",
        "Slack__list_channels",
        "Slack__upload_file",
        "Outlook__send_message",
        "Outlook__list_messages",
        "Outlook__get_message",
    }
    assert expected <= set(tools)
    assert "Gmail__trigger" not in tools and "Slack__trigger" not in tools
    send = tools["Gmail__send_message"]
    assert send["parameters"]["required"] == ["to"]
    assert "sends real mail" in send["description"]


async def test_an_agent_reads_gmail_and_posts_to_slack_with_its_tool_credentials(
    user: User,  # noqa: F811
    fake_openai: FakeOpenAI,  # noqa: F811
    fake_gmail: FakeGmail,
    google_oauth: FakeOAuth,
    fake_slack: FakeSlack,
) -> None:
    fake_gmail.deliver(sender="bo@example.org", subject="Outage", text="The API is down")
    tokens = google_oauth.issue()
    gmail = await user.post(
        "/api/credentials",
        {
            "name": "g",
            "kind": "gmail",
            "data": {
                "access_token": tokens["access_token"],
                "refresh_token": tokens["refresh_token"],
                "expires_at": str(int(time.time()) + 3600),
                "base_url": fake_gmail.url,
            },
        },
        expect=201,
    )
    slack = await user.post(
        "/api/credentials",
        {
            "name": "s",
            "kind": "slack",
            "data": {"access_token": PASTED_TOKEN, "base_url": f"{fake_slack.url}/api"},
        },
        expect=201,
    )
    settings = {
        "tool_settings": {
            "Gmail.list_messages": {"credentials": {"gmail": gmail["id"]}},
            "Slack.post_message": {"credentials": {"slack": slack["id"]}},
        }
    }
    agent = await user.agent(
        "oncall", tools=["Gmail.list_messages", "Slack.post_message"], settings=settings
    )
    fake_openai.script(
        Reply(
            text="",
            tool_calls=[ToolUse("Gmail__list_messages", {"query": "is:unread", "limit": 5})],
        ),
        Reply(
            text="",
            tool_calls=[
                ToolUse(
                    "Slack__post_message", {"channel": "general", "text": "Outage: The API is down"}
                )
            ],
        ),
        Reply(text="Posted the outage to #general."),
    )

    answer = await user.run(agent, "Tell #general about unread outage mail")

    assert answer["answer"] == "Posted the outage to #general."
    assert [m["text"] for m in fake_slack.posted("C0GENERAL")] == ["Outage: The API is down"]
    listed = json.loads(fake_openai.requests[1].body["messages"][-1]["content"])
    assert [m["subject"] for m in listed["messages"]] == ["Outage"]
    seen_by_model = json.dumps([r.body for r in fake_openai.requests])
    assert tokens["access_token"] not in seen_by_model and PASTED_TOKEN not in seen_by_model
