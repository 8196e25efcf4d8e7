"""The Slack nodes against a fake Slack Web API, and Slack.trigger receiving signed Events API
requests: the exact requests, outputs, Slack's error codes, retries, pagination, signatures."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.fakes.oauth import FakeOAuth
from tests.fakes.server import Response
from tests.fakes.slack import PASTED_TOKEN, FakeSlack, rate_limited, sign
from tests.graphs.test_examples import wait_for_final
from tests.integration.services.conftest import run_node


def slack_node(type_: str, credential: str, **params: Any) -> dict[str, Any]:
    return {"type": type_, "params": params, "credentials": {"slack": credential}}


async def test_post_message_sends_json_with_the_bot_token(
    api: httpx.AsyncClient, fake_slack: FakeSlack, slack_credential: str
) -> None:
    result = await run_node(
        api,
        slack_node(
            "Slack.post_message", slack_credential, channel="#general", text="Deploy *done*"
        ),
    )

    assert result["status"] == "succeeded", result["error"]
    [request] = fake_slack.requests
    assert (request.method, request.path) == ("POST", "/api/chat.postMessage")
    assert request.headers["authorization"] == f"Bearer {PASTED_TOKEN}"
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert request.body == {"channel": "general", "text": "Deploy *done*", "unfurl_links": True}
    [posted] = fake_slack.posted("C0GENERAL")
    assert result["output"]["out"] == {
        "channel": "C0GENERAL",
        "ts": posted["ts"],
        "message": posted,
    }


async def test_slack_refusals_fail_the_node_with_slacks_error_code_without_retries(
    api: httpx.AsyncClient, fake_slack: FakeSlack, slack_credential: str
) -> None:
    result = await run_node(
        api, slack_node("Slack.post_message", slack_credential, channel="nowhere", text="hi")
    )

    assert result["status"] == "failed"
    assert result["error"]["message"] == "Slack chat.postMessage failed: channel_not_found"
    assert result["error"]["details"]["message"] == "channel_not_found"
    assert result["attempt"] == 1 and len(fake_slack.requests) == 1


async def test_rate_limits_and_transient_errors_are_retried_and_post_once(
    api: httpx.AsyncClient, fake_slack: FakeSlack, slack_credential: str
) -> None:
    fake_slack.failures.extend(
        [rate_limited(1), Response(200, {"ok": False, "error": "internal_error"})]
    )

    result = await run_node(
        api, slack_node("Slack.post_message", slack_credential, channel="C0RANDOM", text="retry me")
    )

    assert result["status"] == "succeeded", result["error"]
    assert result["attempt"] == 3
    assert len(fake_slack.calls("chat.postMessage")) == 3
    assert len(fake_slack.posted("C0RANDOM")) == 1


async def test_a_refused_token_is_a_credential_error(
    api: httpx.AsyncClient, fake_slack: FakeSlack, slack_credential: str
) -> None:
    fake_slack.failures.append(Response(200, {"ok": False, "error": "token_revoked"}))

    result = await run_node(
        api, slack_node("Slack.post_message", slack_credential, channel="general", text="x")
    )

    assert result["error"]["type"] == "CredentialError"
    assert "token_revoked" in result["error"]["message"]


async def test_update_message_changes_what_was_posted(
    api: httpx.AsyncClient, fake_slack: FakeSlack, slack_credential: str
) -> None:
    posted = await run_node(
        api, slack_node("Slack.post_message", slack_credential, channel="general", text="Working…")
    )
    ts = posted["output"]["out"]["ts"]

    result = await run_node(
        api,
        slack_node(
            "Slack.update_message", slack_credential, channel="C0GENERAL", ts=ts, text="Done ✅"
        ),
    )

    update = fake_slack.calls("chat.update")[0]
    assert update.body == {"channel": "C0GENERAL", "ts": ts, "text": "Done ✅"}
    assert result["output"]["out"] == {"channel": "C0GENERAL", "ts": ts, "text": "Done ✅"}
    assert fake_slack.posted("C0GENERAL")[0]["text"] == "Done ✅"
    missing = await run_node(
        api,
        slack_node(
            "Slack.update_message", slack_credential, channel="C0GENERAL", ts="1.2", text="x"
        ),
    )
    assert missing["error"]["message"] == "Slack chat.update failed: message_not_found"


async def test_list_channels_follows_cursors_up_to_the_limit(
    api: httpx.AsyncClient, fake_slack: FakeSlack, slack_credential: str
) -> None:
    fake_slack.page_size = 2
    node = slack_node(
        "Slack.list_channels",
        slack_credential,
        types=["public_channel", "private_channel"],
        exclude_archived=False,
        limit=3,
    )

    result = await run_node(api, node)

    pages = fake_slack.calls("conversations.list")
    assert [p.method for p in pages] == ["GET", "GET"]
    assert pages[0].query == {
        "types": "public_channel,private_channel",
        "limit": "3",
        "exclude_archived": "false",
    }
    assert pages[1].query["cursor"] != "" and "cursor" not in pages[0].query
    out = result["output"]["out"]
    assert [c["name"] for c in out["channels"]] == ["general", "random", "old-news"]
    assert out["channels"][0] == {
        "id": "C0GENERAL",
        "name": "general",
        "is_private": False,
        "is_archived": False,
        "is_member": True,
        "num_members": 3,
        "topic": "About general",
        "purpose": "",
    }


async def test_upload_file_gets_a_url_uploads_the_bytes_and_shares_the_file(
    api: httpx.AsyncClient, fake_slack: FakeSlack, slack_credential: str
) -> None:
    node = slack_node(
        "Slack.upload_file",
        slack_credential,
        channel="C0GENERAL",
        filename="report.csv",
        content="day,total\nmon,3\n",
        initial_comment="Today's numbers",
    )

    result = await run_node(api, node)

    assert result["status"] == "succeeded", result["error"]
    ask, upload, complete = fake_slack.requests
    assert (ask.path, ask.headers["content-type"]) == (
        "/api/files.getUploadURLExternal",
        "application/x-www-form-urlencoded",
    )
    assert ask.body == {"filename": "report.csv", "length": "16"}
    file_id = result["output"]["out"]["file_id"]
    assert (upload.path, upload.raw) == (f"/upload/v1/{file_id}", b"day,total\nmon,3\n")
    assert "authorization" not in upload.headers  # the upload URL is already signed
    assert complete.path == "/api/files.completeUploadExternal"
    assert complete.body == {
        "files": [{"id": file_id, "title": "report.csv"}],
        "channel_id": "C0GENERAL",
        "initial_comment": "Today's numbers",
    }
    assert fake_slack.uploads[file_id]["shared"]["channel"] == "C0GENERAL"


async def test_a_retried_upload_does_not_upload_the_file_again(
    api: httpx.AsyncClient, fake_slack: FakeSlack, slack_credential: str
) -> None:
    node = slack_node(
        "Slack.upload_file",
        slack_credential,
        channel="C0GENERAL",
        filename="a.txt",
        content="hello",
    )
    fake_slack.fail_next(
        "files.completeUploadExternal", Response(200, {"ok": False, "error": "service_unavailable"})
    )

    result = await run_node(api, node)

    assert result["status"] == "succeeded", result["error"]
    assert result["attempt"] == 2
    assert len(fake_slack.calls("files.getUploadURLExternal")) == 1
    assert len([r for r in fake_slack.requests if r.path.startswith("/upload/")]) == 1
    assert len(fake_slack.calls("files.completeUploadExternal")) == 2


# --- Slack.trigger ------------------------------------------------------------------------------


@pytest.fixture
async def listening(api: httpx.AsyncClient, slack_credential: str) -> AsyncIterator[dict[str, Any]]:
    """A graph whose Slack.trigger answers app mentions; its hook path; deleted afterwards."""
    document = {
        "schema": "kyra.graph/1",
        "name": f"slackbot-{uuid.uuid4().hex[:8]}",
        "nodes": [
            {
                "id": "slack",
                "type": "Slack.trigger",
                "credentials": {"slack": slack_credential},
                "params": {"events": ["app_mention", "message"]},
            },
            {
                "id": "echo",
                "type": "Core.set",
                "params": {"values": {"said": "{{ trigger.text }}"}},
            },
        ],
        "edges": [{"source": "slack", "target": "echo"}],
    }
    created = (await api.post("/api/graphs", json=document)).json()
    yield created
    await api.delete(f"/api/graphs/{created['id']}")


def event(event_id: str, **fields: Any) -> dict[str, Any]:
    body = {
        "type": "app_mention",
        "user": "U0ADA",
        "text": "<@U0BOT> deploy?",
        "ts": "1515449522.000016",
        "channel": "C0GENERAL",
        "event_ts": "1515449522.000016",
    }
    return {
        "token": "legacy",
        "team_id": "T0KYRA",
        "api_app_id": "A0KYRA",
        "type": "event_callback",
        "event": body | fields,
        "event_id": event_id,
        "event_time": 1515449522,
        "authorizations": [],
        "event_context": "ctx",
    }


async def deliver(
    api: httpx.AsyncClient, path: str, payload: dict[str, Any], **signing: Any
) -> httpx.Response:
    body = json.dumps(payload).encode()
    headers = sign(body, **signing) | {"X-API-Key": ""}
    return await api.post(path, content=body, headers=headers)


def hook_path(graph: dict[str, Any]) -> str:
    [hook] = graph["webhooks"]
    assert hook["node_id"] == "slack" and hook["url"].endswith(f"/hooks/slack/{graph['id']}/slack")
    return str(urlsplit(hook["url"]).path)


async def test_the_url_verification_handshake_is_answered_when_signed(
    api: httpx.AsyncClient, listening: dict[str, Any]
) -> None:
    path = hook_path(listening)
    handshake = {
        "token": "legacy",
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        "type": "url_verification",
    }

    answered = await deliver(api, path, handshake)

    assert answered.status_code == 200
    assert answered.json() == {"challenge": handshake["challenge"]}
    assert (await api.get(f"/api/graphs/{listening['id']}/runs")).json() == []


@pytest.mark.parametrize(
    "signing", [{"secret": "not-the-secret"}, {"timestamp": int(time.time()) - 301}]
)
async def test_requests_not_signed_by_the_app_are_refused_and_start_nothing(
    api: httpx.AsyncClient, listening: dict[str, Any], signing: dict[str, Any]
) -> None:
    path = hook_path(listening)

    refused = await deliver(api, path, event("Ev0BAD"), **signing)
    unsigned = await api.post(path, json=event("Ev0BAD"), headers={"X-API-Key": ""})

    assert (refused.status_code, unsigned.status_code) == (401, 401)
    assert (await api.get(f"/api/graphs/{listening['id']}/runs")).json() == []


async def test_each_event_starts_one_run_even_when_slack_delivers_it_again(
    api: httpx.AsyncClient, listening: dict[str, Any], worker: Any
) -> None:
    path = hook_path(listening)

    first = await deliver(api, path, event("Ev0A1"))
    retried = await deliver(api, path, event("Ev0A1"))
    from_a_bot = await deliver(api, path, event("Ev0A2", type="message", bot_id="B0BOT"))
    reaction = await deliver(api, path, event("Ev0A3", type="reaction_added"))

    assert [r.status_code for r in (first, retried, from_a_bot, reaction)] == [200] * 4
    [run] = (await api.get(f"/api/graphs/{listening['id']}/runs")).json()
    finished = await wait_for_final(api, run["id"])
    assert finished["status"] == "succeeded", finished["error"]
    assert finished["trigger_kind"] == "event"
    assert finished["trigger"] | {"event": {}} == {
        "event_id": "Ev0A1",
        "event_time": 1515449522,
        "team_id": "T0KYRA",
        "api_app_id": "A0KYRA",
        "type": "app_mention",
        "user": "U0ADA",
        "channel": "C0GENERAL",
        "text": "<@U0BOT> deploy?",
        "ts": "1515449522.000016",
        "thread_ts": None,
        "event": {},
    }
    assert finished["output"]["echo"] == {"said": "<@U0BOT> deploy?"}


async def test_connecting_a_slack_app_uses_slacks_oauth_dialect(
    api: httpx.AsyncClient, slack_oauth: FakeOAuth, fake_slack: FakeSlack
) -> None:
    created = (
        await api.post(
            "/api/credentials",
            json={
                "name": f"slack-{uuid.uuid4().hex[:6]}",
                "kind": "slack",
                "data": {"base_url": f"{fake_slack.url}/api"},
            },
        )
    ).json()
    started = await api.post("/api/oauth/authorize", json={"credential_id": created["id"]})
    cookie = started.cookies["kyra_oauth"]
    api.cookies.clear()
    authorize_url = started.json()["authorize_url"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    async with httpx.AsyncClient() as browser:
        page = (await browser.get(authorize_url)).text
    allow = page.split('href="')[1].split('"')[0].replace("&amp;", "&")

    back = await api.get(
        allow.removeprefix("http://testserver"),
        headers={"X-API-Key": "", "Cookie": f"kyra_oauth={cookie}"},
    )

    assert query["scope"] == "chat:write,channels:read,groups:read,files:write,channels:history"
    assert back.headers["location"] == f"/credentials?connected={created['id']}"
    [exchange] = slack_oauth.token_requests("authorization_code")
    assert exchange.headers["authorization"].startswith("Basic ")
    assert "client_secret" not in exchange.body
    tested = (await api.post(f"/api/credentials/{created['id']}/test")).json()
    assert tested == {
        "ok": True,
        "message": "connected to Slack as kyra in Kyra Test",
        "status": 200,
        "account": "kyra in Kyra Test",
    }
