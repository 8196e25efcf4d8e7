"""The example graphs of graphs/integrations/ run in both modes against the fakes (and the real
local SMTP server), with the credentials a user would attach in the editor."""

from __future__ import annotations

import email
import email.policy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from kyra.graph.validate import validate_document
from kyra.registry import default_registry
from tests.fakes.discord import FakeDiscord
from tests.fakes.mail import PASSWORD, USER, Mailroom, self_signed, smtp_server
from tests.fakes.telegram import FakeTelegram, multipart
from tests.fakes.whatsapp import FakeWhatsApp
from tests.graphs.test_examples import wait_for_final
from tests.integration.services.conftest import credential

EXAMPLES = Path(__file__).resolve().parents[3] / "graphs" / "integrations"
MODES = ("sync", "queue")


def example(name: str, credentials: dict[str, str]) -> dict[str, Any]:
    """The example with ``credentials`` (kind → id) attached to every node that reads them."""
    document = json.loads((EXAMPLES / f"{name}.json").read_text())
    assert validate_document(document, default_registry()) == []
    registry = default_registry()
    for node in document["nodes"]:
        kinds = {ref.kind for ref in registry.get(node["type"]).credentials}  # type: ignore[union-attr]
        node["credentials"] = {k: v for k, v in credentials.items() if k in kinds}
    return document


async def run_in(api: httpx.AsyncClient, document: dict[str, Any], mode: str,
                 inputs: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    created = await api.post("/api/graphs", json=document)
    assert created.status_code == 201, created.text
    started = await api.post(f"/api/graphs/{created.json()['id']}/runs",
                             json={"mode": mode, "inputs": inputs})  # fmt: skip
    run = started.json() if mode == "sync" else await wait_for_final(api, started.json()["id"])
    assert run["status"] == "succeeded", (run["error"], run.get("node_runs"))
    return dict(run)


@pytest.mark.parametrize("mode", MODES)
async def test_whatsapp_echo(
    api: httpx.AsyncClient, fake_whatsapp: FakeWhatsApp, whatsapp_credential: str, mode: str,
    worker: Any,
) -> None:  # fmt: skip
    document = example("whatsapp_echo", {"whatsapp": whatsapp_credential})
    inputs = {"from": "4915123456789", "name": "Ada", "text": "hi", "message_id": "wamid.1"}

    await run_in(api, document | {"name": f"wa-{mode}"}, mode, inputs)

    [sent] = fake_whatsapp.sent
    assert (sent["to"], sent["text"]["body"]) == ("4915123456789", "Hi Ada, you said: hi")
    assert sent["context"] == {"message_id": "wamid.1"}


@pytest.mark.parametrize("mode", MODES)
async def test_telegram_report(
    api: httpx.AsyncClient, fake_telegram: FakeTelegram, telegram_credential: str, mode: str,
    worker: Any,
) -> None:  # fmt: skip
    document = example("telegram_report", {"telegram_bot": telegram_credential})
    orders = [{"id": 1, "total": 9.5}, {"id": 2, "total": 3}]

    await run_in(api, document | {"name": f"tg-{mode}"}, mode, {"chat_id": 42, "orders": orders})

    upload, done = fake_telegram.requests
    fields = multipart(upload)
    assert fields["document"] == ("orders.csv", "text/csv", b"id,total\r\n1,9.5\r\n2,3\r\n")
    assert (fields["chat_id"], fields["caption"]) == ("42", "2 orders")
    assert done.body["text"] == "Report sent ✅"
    assert done.body["reply_parameters"] == {"message_id": fake_telegram.sent[0]["message_id"]}


@pytest.mark.parametrize("mode", MODES)
async def test_discord_alert(
    api: httpx.AsyncClient, fake_discord: FakeDiscord, discord_webhook: str, mode: str,
    worker: Any,
) -> None:  # fmt: skip
    document = example("discord_alert", {"discord_webhook": discord_webhook})

    await run_in(api, document | {"name": f"dc-{mode}"}, mode, {"service": "api", "status": "down"})

    [message] = fake_discord.messages
    assert message["content"] == "**api** is down"
    assert message["embeds"][0]["title"] == "api: down"
    assert message["author"]["username"] == "Kyra alerts"


@pytest.fixture(scope="module")
def smtp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Mailroom, Controller]]:
    mailroom = Mailroom()
    server = smtp_server(mailroom, "starttls", self_signed(tmp_path_factory.mktemp("tls")))
    yield mailroom, server
    server.stop()


@pytest.mark.parametrize("mode", MODES)
async def test_email_report(
    api: httpx.AsyncClient, smtp: tuple[Mailroom, Controller], mode: str, worker: Any
) -> None:
    mailroom, server = smtp
    mailroom.reset()
    smtp_id = await credential(api, "smtp", {
        "host": "127.0.0.1", "port": str(server.port), "security": "starttls", "username": USER,
        "password": PASSWORD, "allow_self_signed": "yes",
    })  # fmt: skip
    document = example("email_report", {"smtp": smtp_id})

    await run_in(api, document | {"name": f"mail-{mode}"}, mode,
                 {"to": "bo@example.org", "orders": [{"id": 1, "total": 9.5}]})  # fmt: skip

    [received] = mailroom.received
    assert received.rcpt_tos == ["bo@example.org"]
    message = email.message_from_bytes(received.content, policy=email.policy.default)
    assert message["Subject"] == "Orders report (1)"
    [attached] = list(message.iter_attachments())  # type: ignore[attr-defined]
    assert attached.get_filename() == "orders.csv"
