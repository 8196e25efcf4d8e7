"""Every WhatsApp, Telegram, Discord and Email node type through the real processes of
``kyra up`` (uvicorn, a Dramatiq worker, the scheduler) in sync and queue mode, and the two
triggers: a signed WhatsApp delivery received by the API process, new IMAP mail polled by the
scheduler process."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fakes import whatsapp
from tests.fakes.discord import FakeDiscord
from tests.fakes.mail import PASSWORD, USER, ImapServer, Mailroom, self_signed, smtp_server
from tests.fakes.telegram import FakeTelegram
from tests.fakes.whatsapp import FakeWhatsApp, dumps, incoming, sign
from tests.system.stack import KyraStack, wait_until

#: (node id, type, credential kind, params) of one graph that uses every action node.
ACTIONS = [
    ("text", "WhatsApp.send_text", "whatsapp", {"to": "4915123456789", "text": "Tour"}),
    (
        "template",
        "WhatsApp.send_template",
        "whatsapp",
        {"to": "4915", "template": "order_update", "body_parameters": ["Ada", "{{ trigger.tag }}"]},
    ),
    ("say", "Telegram.send_message", "telegram_bot", {"chat_id": 42, "text": "Working…"}),
    (
        "edit",
        "Telegram.edit_message",
        "telegram_bot",
        {"chat_id": 42, "message_id": "{{ nodes.say.output.message_id }}",
         "text": "Tour {{ trigger.tag }} done"},
    ),
    ("photo", "Telegram.send_photo", "telegram_bot", {"chat_id": 42, "photo": "https://x.org/a.png"}),
    ("csv", "CSV.build", None, {"items": [{"tag": "{{ trigger.tag }}"}], "output": "file"}),
    (
        "document",
        "Telegram.send_document",
        "telegram_bot",
        {"chat_id": 42, "document": "{{ nodes.csv.output }}"},
    ),
    ("alert", "Discord.send_message", "discord_webhook", {"content": "Tour {{ trigger.tag }}"}),
    (
        "mail",
        "Email.send",
        "smtp",
        {"to": "bo@example.org", "subject": "Tour {{ trigger.tag }}", "text": "Hi",
         "attachments": ["{{ nodes.csv.output }}"]},
    ),
]  # fmt: skip


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    cert = self_signed(tmp_path_factory.mktemp("tls"))
    mailroom = Mailroom()
    started: dict[str, Any] = {
        "whatsapp": FakeWhatsApp().start(), "telegram": FakeTelegram().start(),
        "discord": FakeDiscord().start(), "mailroom": mailroom,
        "smtp": smtp_server(mailroom, "starttls", cert), "imap": ImapServer(cert),
    }  # fmt: skip
    yield started
    for server in started.values():
        if hasattr(server, "stop"):
            server.stop()


@pytest.fixture(scope="module")
def kinds(kyra_stack: KyraStack, servers: dict[str, Any]) -> dict[str, str]:
    client = kyra_stack.client
    mail = {"host": "127.0.0.1", "security": "starttls", "username": USER, "password": PASSWORD,
            "allow_self_signed": "yes"}  # fmt: skip
    return {
        "whatsapp": credential(client, "whatsapp", {
            "access_token": whatsapp.ACCESS_TOKEN, "phone_number_id": whatsapp.PHONE_NUMBER_ID,
            "app_secret": whatsapp.APP_SECRET, "verify_token": whatsapp.VERIFY_TOKEN,
            "base_url": servers["whatsapp"].base_url}),
        "telegram_bot": credential(client, "telegram_bot", {
            "token": servers["telegram"].token, "api_base": servers["telegram"].url}),
        "discord_webhook": credential(client, "discord_webhook",
                                      {"webhook_url": servers["discord"].webhook_url}),
        "smtp": credential(client, "smtp", mail | {"port": str(servers["smtp"].port)}),
        "imap": credential(client, "imap", mail | {"port": str(servers["imap"].port)}),
    }  # fmt: skip


def credential(client: httpx.Client, kind: str, data: dict[str, str]) -> str:
    body = {"name": f"{kind}-{uuid.uuid4().hex[:6]}", "kind": kind, "data": data}
    created = client.post("/api/credentials", json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def create(client: httpx.Client, nodes: list[dict[str, Any]]) -> str:
    edges = [{"source": a["id"], "target": b["id"]} for a, b in itertools.pairwise(nodes)]
    document = {"schema": "kyra.graph/1", "name": f"up-{uuid.uuid4().hex[:8]}",
                "nodes": nodes, "edges": edges}  # fmt: skip
    created = client.post("/api/graphs", json=document)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def test_every_messaging_node_runs_in_sync_and_queue_mode(
    kyra_stack: KyraStack, servers: dict[str, Any], kinds: dict[str, str]
) -> None:
    client = kyra_stack.client
    nodes = [{"id": "start", "type": "Manual.trigger"}] + [
        {"id": node_id, "type": type_, "params": params,
         "credentials": {kind: kinds[kind]} if kind else {}}
        for node_id, type_, kind, params in ACTIONS
    ]  # fmt: skip
    graph_id = create(client, nodes)

    for mode in ("sync", "queue"):
        run = kyra_stack.run(graph_id, mode, {"tag": mode}, timeout=120)
        assert run["status"] == "succeeded", [
            (n["node_id"], n["output"], n["error"]) for n in run["node_runs"]
        ]

    assert len(servers["whatsapp"].sent) == 4  # a text and a template per run
    assert [m.get("text") for m in servers["telegram"].sent if "text" in m] == [
        "Tour sync done", "Tour queue done",
    ]  # fmt: skip
    assert [m["content"] for m in servers["discord"].messages] == ["Tour sync", "Tour queue"]
    assert len(servers["mailroom"].received) == 2


def test_whatsapp_deliveries_and_new_imap_mail_start_runs(
    kyra_stack: KyraStack, servers: dict[str, Any], kinds: dict[str, str]
) -> None:
    client = kyra_stack.client
    wa = {"whatsapp": kinds["whatsapp"]}
    received = create(client, [
        {"id": "incoming", "type": "WhatsApp.trigger", "credentials": wa},
        {"id": "seen", "type": "Core.set", "params": {"values": "{{ trigger.text }}"}},
    ])  # fmt: skip
    polled = create(client, [
        {"id": "mail", "type": "Email.trigger", "credentials": {"imap": kinds["imap"]},
         "params": {"poll_seconds": 10}},
        {"id": "seen", "type": "Core.set", "params": {"values": "{{ trigger.subject }}"}},
    ])  # fmt: skip

    # WhatsApp: a signed delivery to the API process starts a queued run.
    body = dumps(incoming("wamid.UP1", "hello from up"))
    answered = httpx.post(f"{kyra_stack.url}/hooks/whatsapp/{received}/incoming", content=body,
                          headers=sign(body))  # fmt: skip
    assert answered.status_code == 200, answered.text
    [event_run] = wait_until(
        lambda: client.get(f"/api/graphs/{received}/runs").json(), 60, "the WhatsApp run"
    )
    # Email: the scheduler process polls; mail arriving after its first poll starts a run.
    wait_until(
        lambda: client.get(f"/api/graphs/{polled}").json()["polls"][0]["started"], 60,
        "the first poll",
    )  # fmt: skip
    servers["imap"].deliver(b"From: cy@example.org\r\nTo: " + USER.encode()
                            + b"\r\nSubject: Polled!\r\n\r\nnew\r\n")  # fmt: skip
    runs = wait_until(lambda: client.get(f"/api/graphs/{polled}/runs").json(), 60, "a mail run")

    assert kyra_stack.wait_for_run(event_run["id"])["output"]["seen"] == "hello from up"
    assert [kyra_stack.wait_for_run(r["id"])["output"]["seen"] for r in runs] == ["Polled!"]
