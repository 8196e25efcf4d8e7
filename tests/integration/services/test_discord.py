"""Discord.send_message against a fake Discord API, as a bot and through a webhook: the exact
requests, outputs, Discord's errors, rate limits, and one message per node run."""

from __future__ import annotations

import string
from typing import Any

import httpx
import pytest

from tests.fakes.discord import (
    BOT_TOKEN,
    CHANNEL_ID,
    THREAD_ID,
    WEBHOOK_ID,
    WEBHOOK_TOKEN,
    FakeDiscord,
    discord_error,
    rate_limited,
)
from tests.integration.services.conftest import run_node


def discord_node(credentials: dict[str, str], **params: Any) -> dict[str, Any]:
    return {"type": "Discord.send_message", "params": params, "credentials": credentials}


@pytest.mark.parametrize("mode", ["sync", "queue"])
async def test_a_bot_posts_to_the_channel_with_its_token_and_a_nonce(
    api: httpx.AsyncClient, fake_discord: FakeDiscord, discord_bot: str, mode: str, worker: Any
) -> None:
    text = "Build **passed** @everyone"
    node = discord_node({"discord_bot": discord_bot}, channel_id=CHANNEL_ID, content=text,
                        reply_to="1300000000000000042")  # fmt: skip

    result = await run_node(api, node, mode=mode)

    assert result["status"] == "succeeded", result["error"]
    [request] = fake_discord.requests
    assert (request.method, request.path) == ("POST", f"/api/v10/channels/{CHANNEL_ID}/messages")
    assert request.headers["authorization"] == f"Bot {BOT_TOKEN}"
    nonce = request.body.pop("nonce")
    assert request.body == {
        "content": "Build **passed** @everyone", "tts": False,
        "allowed_mentions": {"parse": []}, "enforce_nonce": True,
        "message_reference": {"message_id": "1300000000000000042", "fail_if_not_exists": False},
    }  # fmt: skip
    assert len(nonce) == 25 and set(nonce) <= set(string.hexdigits)
    [message] = fake_discord.messages
    assert result["output"]["out"] == {"message_id": message["id"], "channel_id": CHANNEL_ID,
                                       "content": "Build **passed** @everyone",
                                       "timestamp": message["timestamp"]}  # fmt: skip


async def test_a_webhook_posts_with_wait_in_a_thread_under_another_name(
    api: httpx.AsyncClient, fake_discord: FakeDiscord, discord_webhook: str
) -> None:
    embed = {"title": "Deploy", "description": "v1.2 is live", "color": 5763719}
    node = discord_node({"discord_webhook": discord_webhook}, embeds=[embed], username="Deployer",
                        thread_id=THREAD_ID, allow_mentions=True)  # fmt: skip

    result = await run_node(api, node)

    assert result["status"] == "succeeded", result["error"]
    [request] = fake_discord.requests
    assert request.method == "POST"
    assert request.path == f"/api/webhooks/{WEBHOOK_ID}/{WEBHOOK_TOKEN}"
    assert request.query == {"wait": "true", "thread_id": THREAD_ID}
    assert "authorization" not in request.headers
    assert request.body == {"content": "", "tts": False, "embeds": [embed], "username": "Deployer"}
    assert result["output"]["out"]["channel_id"] == THREAD_ID
    assert fake_discord.messages[0]["author"]["username"] == "Deployer"


async def test_discord_errors_carry_its_message_and_4xx_are_not_retried(
    api: httpx.AsyncClient, fake_discord: FakeDiscord, discord_bot: str
) -> None:
    result = await run_node(api, discord_node({"discord_bot": discord_bot}, channel_id="42",
                                              content="hello"))  # fmt: skip

    assert result["status"] == "failed"
    assert result["error"]["message"] == "Discord create message failed: 404 Unknown Channel"
    assert result["attempt"] == 1 and len(fake_discord.requests) == 1


async def test_rate_limits_and_server_errors_are_retried_and_the_message_is_sent_once(
    api: httpx.AsyncClient, fake_discord: FakeDiscord, discord_bot: str
) -> None:
    fake_discord.failures.extend([rate_limited(1), discord_error(502, 0, "Bad Gateway")])

    node = discord_node({"discord_bot": discord_bot}, channel_id=CHANNEL_ID, content="retry me")
    result = await run_node(api, node)

    assert result["status"] == "succeeded", result["error"]
    assert result["attempt"] == 3
    assert len(fake_discord.requests) == 3 and len(fake_discord.messages) == 1
    assert len({r.body["nonce"] for r in fake_discord.requests}) == 1


async def test_a_bad_bot_token_is_a_credential_error_and_the_webhook_url_never_shows(
    api: httpx.AsyncClient, fake_discord: FakeDiscord, discord_webhook: str
) -> None:
    fake_discord.failures.append(discord_error(401, 0, "401: Unauthorized"))
    result = await run_node(api, discord_node({"discord_webhook": discord_webhook}, content="x"))

    assert result["error"]["type"] == "CredentialError"
    assert WEBHOOK_TOKEN not in str(result)


async def test_exactly_one_discord_credential_must_be_attached(
    api: httpx.AsyncClient, fake_discord: FakeDiscord, discord_bot: str, discord_webhook: str
) -> None:
    attached = {"discord_bot": discord_bot, "discord_webhook": discord_webhook}
    both = await run_node(api, discord_node(attached, content="x"))
    none = await run_node(api, discord_node({}, content="x"))

    for result in (both, none):
        assert result["error"]["message"] == (
            "credentials: attach a discord_bot or a discord_webhook credential (one)"
        )
    assert fake_discord.requests == []


async def test_both_credentials_pass_their_connection_test(
    api: httpx.AsyncClient, fake_discord: FakeDiscord, discord_bot: str, discord_webhook: str
) -> None:
    bot = (await api.post(f"/api/credentials/{discord_bot}/test")).json()
    hook = (await api.post(f"/api/credentials/{discord_webhook}/test")).json()

    assert (bot["ok"], bot["account"]) == (True, "kyra-bot")
    assert (hook["ok"], hook["account"]) == (True, "Kyra alerts")
    assert [r.path for r in fake_discord.requests] == [
        "/api/v10/users/@me", f"/api/webhooks/{WEBHOOK_ID}/{WEBHOOK_TOKEN}",
    ]  # fmt: skip
