"""A local fake of the Telegram Bot API: ``/bot<token>/<method>`` with JSON bodies, answering
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code", "description"}`` as documented
at https://core.telegram.org/bots/api (getMe, setWebhook, deleteWebhook, sendMessage)."""

from __future__ import annotations

import itertools
import time
from typing import Any

from tests.fakes.server import FakeServer, Recorded, Reply, Response

BOT = {"id": 7_000_001, "is_bot": True, "first_name": "Kyra", "username": "kyra_test_bot"}


class FakeTelegram(FakeServer):
    """Accepts one bot token; remembers the webhook and every message sent."""

    def __init__(self, token: str = "7000001:fake-token") -> None:
        super().__init__()
        self.token = token
        self.webhook: dict[str, Any] = {}
        self.sent: list[dict[str, Any]] = []
        self._ids = itertools.count(1)

    def calls(self, method: str) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith(f"/{method}")]

    def respond(self, recorded: Recorded, reply: Reply) -> Response:
        prefix, _, method = recorded.path.rpartition("/")
        if prefix != f"/bot{self.token}":
            return _error(401, "Unauthorized")
        body = recorded.body or {}
        if method == "getMe":
            return _ok(BOT)
        if method == "setWebhook":
            if not str(body.get("url", "")).startswith(("http://", "https://")):
                return _error(400, "Bad Request: bad webhook: invalid URL")
            self.webhook = dict(body)
            return Response(200, {"ok": True, "result": True, "description": "Webhook was set"})
        if method == "deleteWebhook":
            self.webhook = {}
            return Response(200, {"ok": True, "result": True, "description": "Webhook was deleted"})
        if method == "sendMessage":
            if not body.get("chat_id"):
                return _error(400, "Bad Request: chat_id is empty")
            if not body.get("text"):
                return _error(400, "Bad Request: message text is empty")
            message = {
                "message_id": next(self._ids),
                "from": BOT,
                "chat": {"id": body["chat_id"], "type": "private"},
                "date": int(time.time()),
                "text": body["text"],
            }
            self.sent.append(message)
            return _ok(message)
        return _error(404, "Not Found")


def _ok(result: Any) -> Response:
    return Response(200, {"ok": True, "result": result})


def _error(code: int, description: str) -> Response:
    return Response(code, {"ok": False, "error_code": code, "description": description})


def update(update_id: int, text: str, *, chat_id: int = 42) -> dict[str, Any]:
    """A private-chat text message update as Telegram posts it to a webhook."""
    user = {"id": chat_id, "is_bot": False, "first_name": "Ada", "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id * 10,
            "from": user,
            "chat": {"id": chat_id, "first_name": "Ada", "type": "private"},
            "date": int(time.time()),
            "text": text,
        },
    }
