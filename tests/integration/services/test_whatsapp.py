"""The WhatsApp nodes against a fake Cloud API, and WhatsApp.trigger receiving Meta's webhook
verification and signed deliveries: exact requests, outputs, Meta's errors, throttling retries,
one run per message id."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.fakes.whatsapp import (
    ACCESS_TOKEN,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    VERSION,
    FakeWhatsApp,
    dumps,
    graph_error,
    incoming,
    sign,
    status_update,
    throttled,
)
from tests.graphs.test_examples import wait_for_final
from tests.integration.services.conftest import run_node

MESSAGES = f"/{VERSION}/{PHONE_NUMBER_ID}/messages"


def whatsapp_node(type_: str, credential: str, **params: Any) -> dict[str, Any]:
    return {"type": type_, "params": params, "credentials": {"whatsapp": credential}}


@pytest.mark.parametrize("mode", ["sync", "queue"])
async def test_send_text_posts_a_text_message_with_the_access_token(
    api: httpx.AsyncClient, fake_whatsapp: FakeWhatsApp, whatsapp_credential: str, mode: str,
    worker: Any,
) -> None:  # fmt: skip
    text = "Your order shipped: https://example.org/t/1"
    node = whatsapp_node("WhatsApp.send_text", whatsapp_credential, to="+49 151 2345-6789",
                         text=text, preview_url=True)  # fmt: skip

    result = await run_node(api, node, mode=mode)

    assert result["status"] == "succeeded", result["error"]
    [request] = fake_whatsapp.requests
    assert (request.method, request.path) == ("POST", MESSAGES)
    assert request.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert request.headers["content-type"] == "application/json"
    assert request.body == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "4915123456789",
        "type": "text",
        "text": {"preview_url": True, "body": "Your order shipped: https://example.org/t/1"},
    }  # fmt: skip
    [sent] = fake_whatsapp.sent
    assert result["output"]["out"] == {"message_id": sent["id"], "to": "4915123456789",
                                       "wa_id": "4915123456789", "status": "accepted"}  # fmt: skip


@pytest.mark.parametrize("mode", ["sync", "queue"])
async def test_send_template_fills_in_the_body_and_header_variables(
    api: httpx.AsyncClient, fake_whatsapp: FakeWhatsApp, whatsapp_credential: str, mode: str,
    worker: Any,
) -> None:  # fmt: skip
    node = whatsapp_node("WhatsApp.send_template", whatsapp_credential, to="4915123456789",
                         template="order_update", body_parameters=["Ada", "#1042"],
                         header_parameters=["Shipped"])  # fmt: skip

    result = await run_node(api, node, mode=mode)

    assert result["status"] == "succeeded", result["error"]
    assert fake_whatsapp.requests[0].body["template"] == {
        "name": "order_update",
        "language": {"code": "en_US"},
        "components": [
            {"type": "header", "parameters": [{"type": "text", "text": "Shipped"}]},
            {"type": "body", "parameters": [{"type": "text", "text": "Ada"},
                                            {"type": "text", "text": "#1042"}]},
        ],
    }  # fmt: skip
    assert fake_whatsapp.requests[0].body["type"] == "template"
    assert "components" not in (await run_node(api, whatsapp_node(
        "WhatsApp.send_template", whatsapp_credential, to="1555", template="hello_world",
    )))["output"]  # fmt: skip
    assert "components" not in fake_whatsapp.requests[1].body["template"]


async def test_meta_errors_fail_the_node_with_their_message_and_are_not_retried(
    api: httpx.AsyncClient, fake_whatsapp: FakeWhatsApp, whatsapp_credential: str
) -> None:
    node = whatsapp_node("WhatsApp.send_template", whatsapp_credential, to="1555",
                         template="order_update", body_parameters=["only one"])  # fmt: skip

    result = await run_node(api, node)

    assert result["status"] == "failed"
    assert result["error"]["message"] == (
        "WhatsApp messages failed: 400 (#132000) Number of parameters does not match the "
        "expected number of params"
    )
    assert result["error"]["details"]["status"] == 400
    assert result["attempt"] == 1 and len(fake_whatsapp.requests) == 1


async def test_throttling_and_server_errors_are_retried_and_the_message_is_sent_once(
    api: httpx.AsyncClient, fake_whatsapp: FakeWhatsApp, whatsapp_credential: str
) -> None:
    fake_whatsapp.failures.extend(
        [throttled(), graph_error(503, 2, "Service temporarily unavailable")]
    )

    result = await run_node(api, whatsapp_node("WhatsApp.send_text", whatsapp_credential,
                                               to="1555", text="hi"))  # fmt: skip

    assert result["status"] == "succeeded", result["error"]
    assert result["attempt"] == 3
    assert [r.path for r in fake_whatsapp.requests] == [MESSAGES] * 3
    assert len(fake_whatsapp.sent) == 1


async def test_a_refused_token_is_a_credential_error(
    api: httpx.AsyncClient, fake_whatsapp: FakeWhatsApp, whatsapp_credential: str
) -> None:
    fake_whatsapp.failures.append(
        graph_error(401, 190, "Error validating access token: Session has expired")
    )

    result = await run_node(api, whatsapp_node("WhatsApp.send_text", whatsapp_credential,
                                               to="1555", text="hi"))  # fmt: skip

    assert result["error"]["type"] == "CredentialError"
    assert "Session has expired" in result["error"]["message"]


async def test_no_recipient_and_no_whatsapp_trigger_is_refused_before_sending(
    api: httpx.AsyncClient, fake_whatsapp: FakeWhatsApp, whatsapp_credential: str
) -> None:
    result = await run_node(api, whatsapp_node("WhatsApp.send_text", whatsapp_credential, text="x"))

    assert result["error"]["message"] == (
        "to: give a phone number, or start the graph with WhatsApp.trigger"
    )
    assert fake_whatsapp.requests == []


async def test_the_credential_test_reads_the_business_number(
    api: httpx.AsyncClient, fake_whatsapp: FakeWhatsApp, whatsapp_credential: str
) -> None:
    tested = (await api.post(f"/api/credentials/{whatsapp_credential}/test")).json()

    assert tested["ok"] is True, tested
    assert tested["account"] == "Kyra Test (+1 555-010-0000)"
    assert fake_whatsapp.requests[0].path == f"/{VERSION}/{PHONE_NUMBER_ID}"


# --- WhatsApp.trigger ---------------------------------------------------------------------------


@pytest.fixture
async def listening(
    api: httpx.AsyncClient, whatsapp_credential: str
) -> AsyncIterator[dict[str, Any]]:
    """A graph whose WhatsApp.trigger answers each message with a text; deleted afterwards."""
    document = {
        "schema": "kyra.graph/1",
        "name": f"whatsapp-{uuid.uuid4().hex[:8]}",
        "nodes": [
            {"id": "incoming", "type": "WhatsApp.trigger",
             "credentials": {"whatsapp": whatsapp_credential}},
            {"id": "answer", "type": "WhatsApp.send_text",
             "credentials": {"whatsapp": whatsapp_credential},
             "params": {"text": "Hi {{ trigger.name }}, you said: {{ trigger.text }}",
                        "reply_to": "{{ trigger.message_id }}"}},
        ],
        "edges": [{"source": "incoming", "target": "answer"}],
    }  # fmt: skip
    created = (await api.post("/api/graphs", json=document)).json()
    yield created
    await api.delete(f"/api/graphs/{created['id']}")


def hook_path(graph: dict[str, Any]) -> str:
    [hook] = graph["webhooks"]
    assert hook["url"].endswith(f"/hooks/whatsapp/{graph['id']}/incoming")
    return str(urlsplit(hook["url"]).path)


async def deliver(api: httpx.AsyncClient, path: str, payload: dict[str, Any],
                  secret: str | None = None) -> httpx.Response:  # fmt: skip
    body = dumps(payload)
    headers = (sign(body, secret) if secret else sign(body)) | {"X-API-Key": ""}
    return await api.post(path, content=body, headers=headers)


async def test_the_verification_request_gets_the_challenge_only_with_the_verify_token(
    api: httpx.AsyncClient, listening: dict[str, Any]
) -> None:
    path = hook_path(listening)
    query = {
        "hub.mode": "subscribe",
        "hub.challenge": "1158201444",
        "hub.verify_token": VERIFY_TOKEN,
    }

    verified = await api.get(path, params=query, headers={"X-API-Key": ""})
    wrong = await api.get(
        path, params=query | {"hub.verify_token": "guess"}, headers={"X-API-Key": ""}
    )

    assert (verified.status_code, verified.text) == (200, "1158201444")
    assert verified.headers["content-type"].startswith("text/plain")
    assert wrong.status_code == 403 and "1158201444" not in wrong.text


async def test_deliveries_not_signed_with_the_app_secret_are_refused(
    api: httpx.AsyncClient, listening: dict[str, Any]
) -> None:
    path = hook_path(listening)

    forged = await deliver(api, path, incoming("wamid.X1", "hi"), secret="not-the-secret")
    unsigned = await api.post(path, json=incoming("wamid.X1", "hi"), headers={"X-API-Key": ""})

    assert (forged.status_code, unsigned.status_code) == (401, 401)
    assert (await api.get(f"/api/graphs/{listening['id']}/runs")).json() == []


async def test_each_message_starts_one_run_that_answers_the_sender(
    api: httpx.AsyncClient, fake_whatsapp: FakeWhatsApp, listening: dict[str, Any], worker: Any
) -> None:
    path = hook_path(listening)

    first = await deliver(api, path, incoming("wamid.A1", "Where is my order?"))
    again = await deliver(api, path, incoming("wamid.A1", "Where is my order?"))
    status = await deliver(api, path, status_update("wamid.OUT1"))
    elsewhere = await deliver(api, path, incoming("wamid.B1", "hi", phone_number_id="999"))

    assert [r.status_code for r in (first, again, status, elsewhere)] == [200] * 4
    [run] = (await api.get(f"/api/graphs/{listening['id']}/runs")).json()
    finished = await wait_for_final(api, run["id"])
    assert finished["status"] == "succeeded", finished["error"]
    assert finished["trigger_kind"] == "event"
    trigger = finished["trigger"]
    assert {k: trigger[k] for k in ("message_id", "from", "name", "type", "text",
                                    "phone_number_id")} == {
        "message_id": "wamid.A1", "from": "4915123456789", "name": "Ada", "type": "text",
        "text": "Where is my order?", "phone_number_id": PHONE_NUMBER_ID,
    }  # fmt: skip
    [answer] = fake_whatsapp.sent
    assert answer["to"] == "4915123456789"
    assert answer["text"]["body"] == "Hi Ada, you said: Where is my order?"
    assert answer["context"] == {"message_id": "wamid.A1"}
    assert len((await api.get(f"/api/graphs/{listening['id']}/runs")).json()) == 1
