"""The Outlook nodes against a fake Microsoft Graph: the exact requests, outputs, errors,
throttling, @odata.nextLink pages, a send that happens once across retries, and connecting an
Outlook credential through Microsoft's authorization endpoint with PKCE."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from kyra_nodes.outlook._outlook import SUMMARY_FIELDS
from tests.fakes.graph import FakeGraph, graph_error
from tests.fakes.oauth import CLIENT_ID, FakeOAuth
from tests.integration.services.conftest import run_node
from tests.integration.services.oauth_flow import connect


def outlook_node(type_: str, credential: str, **params: Any) -> dict[str, Any]:
    return {"type": type_, "params": params, "credentials": {"outlook": credential}}


async def test_send_message_creates_a_draft_and_sends_it(
    api: httpx.AsyncClient, fake_graph: FakeGraph, outlook_credential: str
) -> None:
    node = outlook_node(
        "Outlook.send_message",
        outlook_credential,
        to="Bo <bo@fabrikam.example>",
        cc=["cy@fabrikam.example"],
        subject="Quarterly",
        body="<b>Numbers</b> inside",
        body_type="html",
    )

    result = await run_node(api, node)

    assert result["status"] == "succeeded", result["error"]
    create, send = fake_graph.requests
    assert (create.method, create.path) == ("POST", "/v1.0/me/messages")
    assert create.headers["authorization"].startswith("Bearer ")
    assert create.body == {
        "subject": "Quarterly",
        "importance": "normal",
        "body": {"contentType": "html", "content": "<b>Numbers</b> inside"},
        "toRecipients": [{"emailAddress": {"address": "bo@fabrikam.example", "name": "Bo"}}],
        "ccRecipients": [{"emailAddress": {"address": "cy@fabrikam.example"}}],
        "bccRecipients": [],
    }
    draft_id = result["output"]["out"]["id"]
    assert (send.method, send.path, send.raw) == ("POST", f"/v1.0/me/messages/{draft_id}/send", b"")
    [sent] = fake_graph.in_folder("sentitems")
    assert sent["subject"] == "Quarterly" and fake_graph.in_folder("drafts") == []
    assert result["output"]["out"]["conversation_id"] == sent["conversationId"]


async def test_a_throttled_send_is_retried_without_a_second_draft(
    api: httpx.AsyncClient, fake_graph: FakeGraph, outlook_credential: str
) -> None:
    node = outlook_node(
        "Outlook.send_message",
        outlook_credential,
        to="bo@fabrikam.example",
        subject="Once",
        body="only once",
    )
    throttled = graph_error(
        429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit."
    )
    throttled.headers["retry-after"] = "1"
    fake_graph.fail_next("/send", throttled)

    result = await run_node(api, node)

    assert result["status"] == "succeeded", result["error"]
    assert result["attempt"] == 2
    assert [r.path.rsplit("/", 1)[-1] for r in fake_graph.requests] == ["messages", "send", "send"]
    assert len(fake_graph.in_folder("sentitems")) == 1


async def test_graph_errors_carry_the_status_and_message_and_4xx_is_not_retried(
    api: httpx.AsyncClient, fake_graph: FakeGraph, outlook_credential: str
) -> None:
    result = await run_node(
        api, outlook_node("Outlook.get_message", outlook_credential, message_id="AAMkNOPE")
    )

    assert result["status"] == "failed" and result["attempt"] == 1
    assert result["error"]["message"] == (
        "Outlook message.get failed: 404 The specified object was not found in the store."
    )


async def test_list_messages_follows_next_links_up_to_the_limit(
    api: httpx.AsyncClient, fake_graph: FakeGraph, outlook_credential: str
) -> None:
    for n in range(5):
        fake_graph.deliver(
            sender=f"s{n}@fabrikam.example", subject=f"Note {n}", text="hi", read=n == 2
        )
    fake_graph.page_size = 2
    node = outlook_node("Outlook.list_messages", outlook_credential, unread_only=True, limit=3)

    result = await run_node(api, node)

    first, second = fake_graph.requests
    assert (first.method, first.path) == ("GET", "/v1.0/me/mailFolders/inbox/messages")
    query = {
        "$top": "3",
        "$select": ",".join(SUMMARY_FIELDS),
        "$orderby": "receivedDateTime desc",
        "$filter": "isRead eq false",
    }
    assert first.query == query
    assert (second.path, second.query) == (first.path, query | {"$skip": "2"})
    out = result["output"]["out"]
    assert out["count"] == 3
    assert all(m["is_read"] is False for m in out["messages"])
    assert out["messages"][0] | {
        "id": "-",
        "received_at": "-",
        "conversation_id": "-",
        "internet_message_id": "-",
        "web_link": "-",
    } == {
        "id": "-",
        "subject": "Note 4",
        "from": "s4 <s4@fabrikam.example>",
        "to": ["Ada <ada@contoso.example>"],
        "cc": [],
        "received_at": "-",
        "is_read": False,
        "preview": "hi",
        "conversation_id": "-",
        "internet_message_id": "-",
        "has_attachments": False,
        "web_link": "-",
    }


async def test_connecting_an_outlook_credential_goes_through_microsofts_pkce_flow(
    api: httpx.AsyncClient, microsoft_oauth: FakeOAuth, fake_graph: FakeGraph
) -> None:
    body = {"name": f"outlook-{uuid.uuid4().hex[:6]}", "kind": "outlook",
            "data": {"base_url": f"{fake_graph.url}/v1.0"}}  # fmt: skip
    created = (await api.post("/api/credentials", json=body)).json()
    authorize_url, back = await connect(api, created["id"])
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}

    assert authorize_url.startswith(microsoft_oauth.authorize_url)
    assert query | {"state": "-", "code_challenge": "-"} == {
        "response_type": "code", "client_id": CLIENT_ID,
        "redirect_uri": "http://testserver/api/oauth/callback",
        "scope": "offline_access User.Read Mail.ReadWrite Mail.Send", "state": "-",
        "code_challenge": "-", "code_challenge_method": "S256", "response_mode": "query",
    }  # fmt: skip
    assert back.headers["location"] == f"/credentials?connected={created['id']}"
    [exchange] = microsoft_oauth.token_requests("authorization_code")
    assert len(exchange.body["code_verifier"]) >= 43  # the fake checked it against the challenge
    read = (await api.get(f"/api/credentials/{created['id']}")).json()
    assert read["oauth"]["provider"] == "microsoft" and read["oauth"]["refreshable"] is True
    tested = (await api.post(f"/api/credentials/{created['id']}/test")).json()
    assert tested["ok"] is True, tested
