"""The Telegram nodes against a fake Bot API: texts, photos and documents (uploaded from stored
files, or by URL), edits, flood control retries, and one message per node run."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fakes.telegram import FakeTelegram, multipart, too_many_requests
from tests.integration.services.conftest import run_node

#: The first bytes of a PNG are enough for Telegram's fake.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def telegram_node(type_: str, credential: str, **params: Any) -> dict[str, Any]:
    return {"type": type_, "params": params, "credentials": {"telegram_bot": credential}}


async def stored_file(api: httpx.AsyncClient, name: str, content: bytes) -> dict[str, Any]:
    saved = await api.post("/api/files", params={"name": name}, content=content)
    assert saved.status_code == 201, saved.text
    return dict(saved.json())


@pytest.mark.parametrize("mode", ["sync", "queue"])
async def test_send_photo_uploads_a_stored_file_as_multipart(
    api: httpx.AsyncClient, fake_telegram: FakeTelegram, telegram_credential: str, mode: str,
    worker: Any,
) -> None:  # fmt: skip
    chart = await stored_file(api, "chart.png", PNG)
    node = telegram_node("Telegram.send_photo", telegram_credential, chat_id=4242, photo=chart,
                         caption="Sales this week", reply_to_message_id=7)  # fmt: skip

    result = await run_node(api, node, mode=mode)

    assert result["status"] == "succeeded", result["error"]
    [request] = fake_telegram.requests
    assert request.path == f"/bot{fake_telegram.token}/sendPhoto"
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert multipart(request) == {
        "chat_id": "4242", "disable_notification": "false", "caption": "Sales this week",
        "reply_parameters": '{"message_id": 7}', "photo": ("chart.png", "image/png", PNG),
    }  # fmt: skip
    [sent] = fake_telegram.sent
    assert result["output"]["out"] == sent
    assert sent["photo"][-1]["file_size"] == len(PNG)


@pytest.mark.parametrize("mode", ["sync", "queue"])
async def test_send_document_passes_a_url_for_telegram_to_fetch(
    api: httpx.AsyncClient, fake_telegram: FakeTelegram, telegram_credential: str, mode: str,
    worker: Any,
) -> None:  # fmt: skip
    node = telegram_node("Telegram.send_document", telegram_credential, chat_id="@kyra_news",
                         document="https://example.org/report.pdf", parse_mode="HTML",
                         caption="<b>Monthly</b> report")  # fmt: skip

    result = await run_node(api, node, mode=mode)

    assert result["status"] == "succeeded", result["error"]
    [request] = fake_telegram.requests
    assert request.path.endswith("/sendDocument")
    assert request.body == {"chat_id": "@kyra_news", "disable_notification": False,
                            "parse_mode": "HTML", "caption": "<b>Monthly</b> report",
                            "document": "https://example.org/report.pdf"}  # fmt: skip
    assert result["output"]["out"]["document"]["file_name"] == "report.pdf"


async def test_send_document_uploads_a_file_a_node_built_under_its_name(
    api: httpx.AsyncClient, fake_telegram: FakeTelegram, telegram_credential: str
) -> None:
    report = await stored_file(api, "totals.csv", b"day,total\nmon,3\n")
    node = telegram_node("Telegram.send_document", telegram_credential, document=report)

    result = await run_node(api, node, inputs={"chat_id": 99})

    assert result["status"] == "succeeded", result["error"]
    fields = multipart(fake_telegram.requests[0])
    assert fields["chat_id"] == "99"  # the chat of the message that started the run
    assert fields["document"] == ("totals.csv", "text/csv", b"day,total\nmon,3\n")


@pytest.mark.parametrize("mode", ["sync", "queue"])
async def test_edit_message_changes_the_text_and_an_identical_edit_is_no_error(
    api: httpx.AsyncClient, fake_telegram: FakeTelegram, telegram_credential: str, mode: str,
    worker: Any,
) -> None:  # fmt: skip
    sent = await run_node(api, telegram_node("Telegram.send_message", telegram_credential,
                                             chat_id=5, text="Working…"), mode=mode)  # fmt: skip
    message_id = sent["output"]["out"]["message_id"]
    edit = telegram_node("Telegram.edit_message", telegram_credential, chat_id=5,
                         message_id=message_id, text="Done: 42")  # fmt: skip

    edited = await run_node(api, edit, mode=mode)
    again = await run_node(api, edit, mode=mode)

    assert edited["status"] == again["status"] == "succeeded", (edited["error"], again["error"])
    assert fake_telegram.calls("editMessageText")[0].body == {
        "chat_id": 5,
        "message_id": message_id,
        "text": "Done: 42",
    }
    assert edited["output"]["out"]["text"] == again["output"]["out"]["text"] == "Done: 42"
    assert fake_telegram.sent[0]["text"] == "Done: 42"


async def test_flood_control_is_retried_after_retry_after_and_the_message_is_sent_once(
    api: httpx.AsyncClient, fake_telegram: FakeTelegram, telegram_credential: str
) -> None:
    fake_telegram.failures.append(too_many_requests(1))

    result = await run_node(api, telegram_node("Telegram.send_message", telegram_credential,
                                               chat_id=5, text="hello"))  # fmt: skip

    assert result["status"] == "succeeded", result["error"]
    assert result["attempt"] == 2
    assert len(fake_telegram.calls("sendMessage")) == 2 and len(fake_telegram.sent) == 1


async def test_telegram_errors_carry_its_description_and_are_not_retried(
    api: httpx.AsyncClient, fake_telegram: FakeTelegram, telegram_credential: str
) -> None:
    result = await run_node(api, telegram_node("Telegram.edit_message", telegram_credential,
                                               chat_id=5, message_id=404, text="x"))  # fmt: skip

    assert result["status"] == "failed"
    assert result["error"]["message"] == (
        "Telegram editMessageText failed: 400 Bad Request: message to edit not found"
    )
    assert result["attempt"] == 1
    assert fake_telegram.token not in str(result)


async def test_a_photo_that_is_neither_a_file_nor_a_url_is_refused_before_sending(
    api: httpx.AsyncClient, fake_telegram: FakeTelegram, telegram_credential: str
) -> None:
    result = await run_node(api, telegram_node("Telegram.send_photo", telegram_credential,
                                               chat_id=5, photo=" "))  # fmt: skip

    assert result["error"]["message"] == "photo: give a file reference, a URL or a Telegram file id"
    assert fake_telegram.requests == []
