"""The Gmail nodes against a fake Gmail API (reached through the credential's base URL): the
exact requests they send, the outputs, errors, retries and pagination."""

from __future__ import annotations

import email
import email.policy
from typing import Any

import httpx

from tests.fakes.gmail import ADDRESS, PREFIX, FakeGmail, google_error, unb64url
from tests.fakes.oauth import FakeOAuth
from tests.integration.services.conftest import run_node


def gmail_node(type_: str, credential: str, **params: Any) -> dict[str, Any]:
    return {"type": type_, "params": params, "credentials": {"gmail": credential}}


def sent_mime(request: Any) -> email.message.EmailMessage:
    raw = unb64url(request.body["raw"])
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


async def test_send_message_posts_the_mime_message_with_the_bearer_token(
    api: httpx.AsyncClient, fake_gmail: FakeGmail, gmail_credential: str
) -> None:
    node = gmail_node(
        "Gmail.send_message", gmail_credential, to="Bo <bo@example.org>, cy@example.org",
        cc=["di@example.org"], subject="Weekly report", text="All green.",
        html="<p>All <b>green</b>.</p>",
    )  # fmt: skip

    result = await run_node(api, node)

    assert result["status"] == "succeeded", result["error"]
    [request] = fake_gmail.requests
    assert (request.method, request.path) == ("POST", f"{PREFIX}/messages/send")
    assert request.headers["authorization"].startswith("Bearer ")
    assert request.headers["content-type"] == "application/json"
    assert set(request.body) == {"raw"}
    mime = sent_mime(request)
    assert (mime["To"], mime["Cc"], mime["Subject"]) == (
        "Bo <bo@example.org>, cy@example.org", "di@example.org", "Weekly report",
    )  # fmt: skip
    assert mime.get_body(("plain",)).get_content().strip() == "All green."
    assert mime.get_body(("html",)).get_content().strip() == "<p>All <b>green</b>.</p>"
    [stored] = fake_gmail.sent()
    assert result["output"] == {"out": {"id": stored.id, "thread_id": stored.thread_id,
                                        "label_ids": ["SENT"]}}  # fmt: skip


async def test_a_message_without_recipients_is_refused_before_anything_is_sent(
    api: httpx.AsyncClient, fake_gmail: FakeGmail, gmail_credential: str
) -> None:
    result = await run_node(api, gmail_node("Gmail.send_message", gmail_credential, to=" , "))

    assert result["status"] == "failed"
    assert result["error"]["message"] == "to: give at least one recipient address"
    assert result["attempt"] == 1
    assert fake_gmail.requests == []


async def test_a_4xx_answer_fails_the_node_with_gmails_words_and_is_not_retried(
    api: httpx.AsyncClient, fake_gmail: FakeGmail, gmail_credential: str
) -> None:
    fake_gmail.failures.append(google_error(400, "Invalid To header"))

    result = await run_node(api, gmail_node("Gmail.send_message", gmail_credential, to="x@y.z"))

    assert result["status"] == "failed"
    assert result["error"]["message"] == "Gmail messages.send failed: 400 Invalid To header"
    assert result["error"]["details"] == {
        "service": "Gmail", "operation": "messages.send", "status": 400,
        "message": "Invalid To header",
    }  # fmt: skip
    assert len(fake_gmail.requests) == 1


async def test_429_and_5xx_answers_are_retried_by_the_nodes_policy(
    api: httpx.AsyncClient, fake_gmail: FakeGmail, gmail_credential: str
) -> None:
    limited = google_error(429, "User-rate limit exceeded.")
    limited.headers["retry-after"] = "1"
    fake_gmail.failures.extend([limited, google_error(503, "The service is unavailable.")])

    result = await run_node(api, gmail_node("Gmail.send_message", gmail_credential, to="a@b.c"))

    assert result["status"] == "succeeded", result["error"]
    assert result["attempt"] == 3
    assert [r.path for r in fake_gmail.requests] == [f"{PREFIX}/messages/send"] * 3
    assert len(fake_gmail.sent()) == 1


async def test_reply_answers_the_sender_in_the_thread_with_threading_headers(
    api: httpx.AsyncClient, fake_gmail: FakeGmail, gmail_credential: str
) -> None:
    original = fake_gmail.deliver(sender="Bo <bo@example.org>", subject="Plans", text="Friday?")
    node = gmail_node("Gmail.reply", gmail_credential, message_id=original.id, text="Friday!")

    result = await run_node(api, node)

    assert result["status"] == "succeeded", result["error"]
    read, send = fake_gmail.requests
    assert (read.method, read.path) == ("GET", f"{PREFIX}/messages/{original.id}")
    assert read.query_all == {
        "format": ["metadata"],
        "metadataHeaders": ["Subject", "From", "To", "Cc", "Reply-To", "Message-ID", "References"],
    }
    assert send.body["threadId"] == original.thread_id
    mime = sent_mime(send)
    message_id = original.mime["Message-ID"]
    assert (mime["To"], mime["Subject"], mime["In-Reply-To"], mime["References"]) == (
        "Bo <bo@example.org>", "Re: Plans", message_id, message_id,
    )  # fmt: skip
    assert result["output"]["out"]["thread_id"] == original.thread_id


async def test_reply_all_copies_the_other_recipients_but_not_the_account_itself(
    api: httpx.AsyncClient, fake_gmail: FakeGmail, gmail_credential: str
) -> None:
    original = fake_gmail.deliver(sender="bo@example.org", subject="Re: Plans", text="Sat?")
    node = gmail_node(
        "Gmail.reply", gmail_credential, message_id=original.id, text="Yes", reply_all=True
    )

    await run_node(api, node)

    mime = sent_mime(fake_gmail.calls("POST", "/messages/send")[0])
    assert (mime["To"], mime["Subject"]) == ("bo@example.org", "Re: Plans")
    assert mime["Cc"] is None  # the only other recipient was the account's own address
    assert ADDRESS not in str(mime["To"])


async def test_list_messages_follows_pages_up_to_the_limit(
    api: httpx.AsyncClient, fake_gmail: FakeGmail, gmail_credential: str
) -> None:
    for n in range(7):
        fake_gmail.deliver(sender="news@example.org", subject=f"Issue {n}", text=f"Number {n}")
    fake_gmail.page_size = 2
    node = gmail_node("Gmail.list_messages", gmail_credential, query="from:news", limit=5,
                      label_ids=["INBOX"])  # fmt: skip

    result = await run_node(api, node)

    assert result["status"] == "succeeded", result["error"]
    pages = fake_gmail.calls("GET", "/messages")
    assert [r.query_all for r in pages] == [
        {"maxResults": ["5"], "q": ["from:news"], "labelIds": ["INBOX"]},
        {"maxResults": ["5"], "q": ["from:news"], "labelIds": ["INBOX"], "pageToken": ["2"]},
        {"maxResults": ["5"], "q": ["from:news"], "labelIds": ["INBOX"], "pageToken": ["4"]},
    ]
    out = result["output"]["out"]
    assert out["count"] == 5
    assert [m["subject"] for m in out["messages"]] == [f"Issue {n}" for n in (6, 5, 4, 3, 2)]
    assert all(m["from"] == "news@example.org" and m["snippet"] for m in out["messages"])


async def test_get_message_reads_headers_bodies_and_labels(
    api: httpx.AsyncClient, fake_gmail: FakeGmail, gmail_credential: str
) -> None:
    stored = fake_gmail.deliver(sender="Ada <ada@lovelace.org>", subject="Notes", text="Engine.")

    result = await run_node(api, gmail_node("Gmail.get_message", gmail_credential,
                                            message_id=stored.id))  # fmt: skip

    [request] = fake_gmail.requests
    assert request.query == {"format": "full"}
    out = result["output"]["out"]
    assert out | {"headers": {}, "internal_date": "-", "history_id": "-", "date": "-"} == {
        "id": stored.id, "thread_id": stored.thread_id, "label_ids": ["INBOX", "UNREAD"],
        "snippet": "Engine.", "history_id": "-", "internal_date": "-",
        "from": "Ada <ada@lovelace.org>", "to": ADDRESS, "cc": "", "subject": "Notes",
        "date": "-", "message_id": stored.mime["Message-ID"], "headers": {},
        "text": "Engine.\n", "html": "", "attachments": [],
    }  # fmt: skip


async def test_an_unknown_message_is_a_404_that_is_not_retried(
    api: httpx.AsyncClient, fake_gmail: FakeGmail, gmail_credential: str
) -> None:
    result = await run_node(api, gmail_node("Gmail.get_message", gmail_credential,
                                            message_id="0123456789abcdef"))  # fmt: skip

    assert result["status"] == "failed"
    assert result["error"]["message"] == (
        "Gmail messages.get failed: 404 Requested entity was not found."
    )
    assert len(fake_gmail.requests) == 1


async def test_modify_labels_marks_read_and_stars(
    api: httpx.AsyncClient, fake_gmail: FakeGmail, gmail_credential: str
) -> None:
    stored = fake_gmail.deliver(sender="a@b.c", subject="s", text="t")
    node = gmail_node("Gmail.modify_labels", gmail_credential, message_id=stored.id,
                      add_labels=["STARRED"], remove_labels=["UNREAD"])  # fmt: skip

    result = await run_node(api, node)

    [request] = fake_gmail.requests
    assert (request.method, request.path) == ("POST", f"{PREFIX}/messages/{stored.id}/modify")
    assert request.body == {"addLabelIds": ["STARRED"], "removeLabelIds": ["UNREAD"]}
    assert result["output"]["out"]["label_ids"] == ["INBOX", "STARRED"]
    bad = await run_node(api, gmail_node("Gmail.modify_labels", gmail_credential,
                                         message_id=stored.id, add_labels=["NOPE"]))  # fmt: skip
    assert bad["error"]["message"] == "Gmail messages.modify failed: 400 Invalid label: NOPE"


async def test_a_revoked_grant_fails_the_node_with_a_credential_error(
    api: httpx.AsyncClient, fake_gmail: FakeGmail, google_oauth: FakeOAuth,
    gmail_credential: str,
) -> None:  # fmt: skip
    credential = (await api.get(f"/api/credentials/{gmail_credential}")).json()
    google_oauth.revoke_all()

    result = await run_node(api, gmail_node("Gmail.get_message", gmail_credential,
                                            message_id="x"))  # fmt: skip

    assert result["status"] == "failed"
    assert result["error"]["type"] == "CredentialError"
    assert result["attempt"] == 1
    assert f"credential {credential['name']!r}" in result["error"]["message"]
    assert "revoked or has expired" in result["error"]["message"]
    assert "reconnect it on the Credentials page" in result["error"]["message"]


async def test_a_reply_to_a_message_the_account_sent_goes_to_its_recipients(
    api: httpx.AsyncClient, fake_gmail: FakeGmail, gmail_credential: str
) -> None:
    sent = await run_node(
        api,
        gmail_node(
            "Gmail.send_message", gmail_credential, to="bo@example.org", subject="Plan", text="v1"
        ),
    )
    original = sent["output"]["out"]["id"]

    await run_node(api, gmail_node("Gmail.reply", gmail_credential, message_id=original, text="v2"))

    mime = sent_mime(fake_gmail.calls("POST", "/messages/send")[-1])
    assert (mime["To"], mime["Subject"]) == ("bo@example.org", "Re: Plan")
