"""The Outlook nodes against a fake Microsoft Graph: the exact requests, outputs, errors,
throttling, @odata.nextLink pages, and a send that happens once across retries."""

from __future__ import annotations

from typing import Any

import httpx

from kyra_nodes.outlook._outlook import SUMMARY_FIELDS
from tests.fakes.graph import FakeGraph, graph_error
from tests.integration.services.conftest import run_node


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
