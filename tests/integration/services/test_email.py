"""Email.send against real SMTP servers (aiosmtpd: AUTH, STARTTLS, implicit TLS) and
Email.trigger polling a real IMAP server (pymap) with a UID cursor: the exact envelope and
message, attachments, the server's refusals, retries, one run per new message."""

from __future__ import annotations

import email
import email.policy
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from tests.fakes.mail import PASSWORD, UNKNOWN, USER, ImapServer, Mailroom, self_signed, smtp_server
from tests.graphs.test_examples import wait_for_final
from tests.integration.services.conftest import credential, poll, polling_graph, run_node


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def _smtp(certificate: tuple[Path, Path]) -> Iterator[tuple[Mailroom, dict[str, Controller]]]:
    mailroom = Mailroom()
    servers = {s: smtp_server(mailroom, s, certificate) for s in ("none", "starttls", "tls")}
    yield mailroom, servers
    for server in servers.values():
        server.stop()


@pytest.fixture
def mailroom(_smtp: tuple[Mailroom, dict[str, Controller]]) -> Mailroom:
    _smtp[0].reset()
    return _smtp[0]


async def smtp_credential(
    api: httpx.AsyncClient,
    smtp: tuple[Mailroom, dict[str, Controller]],
    security: str,
    **extra: str,
) -> str:
    data = {"host": "127.0.0.1", "port": str(smtp[1][security].port), "security": security,
            "username": USER, "password": PASSWORD, "allow_self_signed": "yes",
            "from_address": f"Ada Lovelace <{USER}>", **extra}  # fmt: skip
    return await credential(api, "smtp", data)


def parsed(content: bytes) -> EmailMessage:
    message = email.message_from_bytes(content, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


@pytest.mark.parametrize(
    ("security", "mode"),
    [("starttls", "sync"), ("starttls", "queue"), ("tls", "sync"), ("none", "queue")],
)
async def test_send_delivers_text_html_and_attachments_to_every_recipient(
    api: httpx.AsyncClient, mailroom: Mailroom, _smtp: Any, security: str, mode: str, worker: Any
) -> None:
    smtp = await smtp_credential(api, _smtp, security)
    report = (await api.post("/api/files", params={"name": "totals.csv"},
                             content=b"day,total\nmon,3\n")).json()  # fmt: skip
    node = {"type": "Email.send", "credentials": {"smtp": smtp}, "params": {
        "to": "Bo <bo@example.org>", "cc": ["cy@example.org"], "bcc": "di@example.org",
        "subject": "Weekly numbers", "text": "All green.", "html": "<p>All <b>green</b>.</p>",
        "reply_to": "team@example.org", "attachments": [report],
    }}  # fmt: skip

    result = await run_node(api, node, mode=mode)

    assert result["status"] == "succeeded", result["error"]
    [received] = mailroom.received
    assert received.mail_from == USER
    assert received.rcpt_tos == ["bo@example.org", "cy@example.org", "di@example.org"]
    message = parsed(received.content)
    assert (message["From"], message["To"], message["Cc"], message["Reply-To"]) == (
        f"Ada Lovelace <{USER}>", "Bo <bo@example.org>", "cy@example.org", "team@example.org",
    )  # fmt: skip
    assert message["Bcc"] is None and message["Subject"] == "Weekly numbers"
    assert message["Message-ID"].startswith("<kyra.") and message["Message-ID"].endswith(
        "@example.org>"
    )
    assert message.get_body(("plain",)).get_content().strip() == "All green."
    assert message.get_body(("html",)).get_content().strip() == "<p>All <b>green</b>.</p>"
    [attached] = list(message.iter_attachments())
    assert (attached.get_filename(), attached.get_content_type()) == ("totals.csv", "text/csv")
    assert attached.get_payload(decode=True) == b"day,total\nmon,3\n"
    assert result["output"]["out"] == {
        "message_id": message["Message-ID"], "subject": "Weekly numbers",
        "accepted": ["bo@example.org", "cy@example.org", "di@example.org"], "refused": {},
    }  # fmt: skip


async def test_refused_recipients_are_reported_and_all_refused_fails_without_retries(
    api: httpx.AsyncClient, mailroom: Mailroom, _smtp: Any
) -> None:
    smtp = await smtp_credential(api, _smtp, "starttls")

    def send(to: str) -> dict[str, Any]:
        return {"type": "Email.send", "credentials": {"smtp": smtp},
                "params": {"to": to, "text": "hi"}}  # fmt: skip

    some = await run_node(api, send(f"bo@example.org, {UNKNOWN}"))
    none = await run_node(api, send(UNKNOWN))

    assert some["status"] == "succeeded", some["error"]
    assert some["output"]["out"]["refused"] == {
        UNKNOWN: [550, "5.1.1 <nobody@example.org>: Recipient address rejected"]
    }
    assert none["status"] == "failed" and none["attempt"] == 1
    assert none["error"]["message"] == (
        "SMTP refused every recipient: 550 5.1.1 <nobody@example.org>: Recipient address rejected"
    )
    assert len(mailroom.received) == 1


async def test_a_temporary_refusal_is_retried_and_the_mail_is_sent_once(
    api: httpx.AsyncClient, mailroom: Mailroom, _smtp: Any
) -> None:
    smtp = await smtp_credential(api, _smtp, "tls")
    mailroom.data_replies.append("451 4.3.0 Mail server temporarily rejected message")

    result = await run_node(api, {"type": "Email.send", "credentials": {"smtp": smtp},
                                  "params": {"to": "bo@example.org", "text": "retry"}})  # fmt: skip

    assert result["status"] == "succeeded", result["error"]
    assert result["attempt"] == 2 and len(mailroom.received) == 1


async def test_a_wrong_password_is_a_credential_error(
    api: httpx.AsyncClient, mailroom: Mailroom, _smtp: Any
) -> None:
    smtp = await smtp_credential(api, _smtp, "starttls", password="wrong")

    result = await run_node(api, {"type": "Email.send", "credentials": {"smtp": smtp},
                                  "params": {"to": "bo@example.org", "text": "x"}})  # fmt: skip

    assert result["error"]["type"] == "CredentialError"
    assert result["error"]["message"].startswith("SMTP login refused: 535")
    assert "wrong" not in str(result)


async def test_an_untrusted_certificate_is_refused_unless_the_credential_allows_it(
    api: httpx.AsyncClient, mailroom: Mailroom, _smtp: Any
) -> None:
    smtp = await smtp_credential(api, _smtp, "tls", allow_self_signed="no")

    result = await run_node(api, {"type": "Email.send", "credentials": {"smtp": smtp},
                                  "params": {"to": "bo@example.org", "text": "x"}})  # fmt: skip

    assert result["status"] == "failed" and result["attempt"] == 1
    assert "certificate" in result["error"]["message"]
    assert "allow_self_signed" in result["error"]["message"]
    assert mailroom.received == []


async def test_mail_servers_on_internal_addresses_are_refused_by_the_ssrf_guard(
    api: httpx.AsyncClient,
) -> None:
    smtp = await credential(api, "smtp", {"host": "169.254.169.254", "port": "25",
                                          "security": "none", "from_address": USER})  # fmt: skip

    result = await run_node(api, {"type": "Email.send", "credentials": {"smtp": smtp},
                                  "params": {"to": "bo@example.org", "text": "x"}})  # fmt: skip

    assert result["error"]["type"] == "BlockedAddressError"
    assert result["attempt"] == 1


# --- Email.trigger ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def imap_server(certificate: tuple[Path, Path]) -> Iterator[ImapServer]:
    server = ImapServer(certificate)
    yield server
    server.stop()


async def watching_graph(api: httpx.AsyncClient, imap: str, created: list[str]) -> dict[str, Any]:
    trigger = {"type": "Email.trigger", "credentials": {"imap": imap}}
    return await polling_graph(api, created, trigger, {"subject": "{{ trigger.subject }}"})


def mail(subject: str, text: str, sender: str = "Bo <bo@example.org>") -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, USER, subject
    message["Message-ID"] = f"<{uuid.uuid4().hex}@example.org>"
    message.set_content(text)
    return message.as_bytes()


async def test_new_mail_starts_one_run_per_message_from_a_stored_uid_cursor(
    api: httpx.AsyncClient, imap_server: ImapServer, services: Any, worker: Any,
    watching: list[str],
) -> None:  # fmt: skip
    imap = await credential(api, "imap", {
        "host": "127.0.0.1", "port": str(imap_server.port), "security": "starttls",
        "username": USER, "password": PASSWORD, "allow_self_signed": "yes",
    })  # fmt: skip
    graph = await watching_graph(api, imap, watching)
    imap_server.deliver(mail("Before", "already here"))

    assert await poll(services, after_s=0) == 0  # the first poll starts from now
    first = imap_server.deliver(mail("Lunch?", "At one"))
    imap_server.deliver(mail("Invoice", "Attached", sender="cy@example.org"))
    assert await poll(services, after_s=31) == 2
    assert await poll(services, after_s=62) == 0

    runs = [await wait_for_final(api, r["id"])
            for r in (await api.get(f"/api/graphs/{graph['id']}/runs")).json()]  # fmt: skip
    assert sorted((r["status"], r["output"]["note"]["subject"]) for r in runs) == [
        ("succeeded", "Invoice"), ("succeeded", "Lunch?"),
    ]  # fmt: skip
    lunch = next(r["trigger"] for r in runs if r["trigger"]["subject"] == "Lunch?")
    assert (lunch["uid"], lunch["mailbox"], lunch["from"], lunch["text"].strip()) == (
        first, "INBOX", "Bo <bo@example.org>", "At one",
    )  # fmt: skip
    state = (await api.get(f"/api/graphs/{graph['id']}")).json()["polls"][0]
    assert (state["runs_started"], state["last_error"]) == (2, None)


async def test_a_refused_imap_login_shows_on_the_poll_and_starts_nothing(
    api: httpx.AsyncClient, imap_server: ImapServer, services: Any, watching: list[str]
) -> None:
    imap = await credential(api, "imap", {"host": "127.0.0.1", "port": str(imap_server.port),
                                          "security": "none", "username": USER,
                                          "password": "wrong"})  # fmt: skip
    graph = await watching_graph(api, imap, watching)

    assert await poll(services, after_s=0) == 0

    state = (await api.get(f"/api/graphs/{graph['id']}")).json()["polls"][0]
    assert state["last_error"].startswith("IMAP login refused")
    assert "wrong" not in state["last_error"]
