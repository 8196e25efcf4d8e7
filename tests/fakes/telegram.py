"""A local fake of the Telegram Bot API: ``/bot<token>/<method>`` with JSON, form or multipart
bodies, answering ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code",
"description", "parameters"}`` as documented at https://core.telegram.org/bots/api (getMe,
setWebhook, deleteWebhook, sendMessage, sendPhoto, sendDocument, editMessageText; files come as
multipart uploads, http(s) URLs Telegram fetches, or file_ids it already has; flood control is
HTTP 429 with ``parameters.retry_after``)."""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import itertools
import json
import threading
import time
from collections import deque
from typing import Any

from tests.fakes.server import FakeServer, Recorded, Reply, Response

BOT = {"id": 7_000_001, "is_bot": True, "first_name": "Kyra", "username": "kyra_test_bot"}
#: Methods that send a message, and the field their content is in.
_SENDERS = {"sendMessage": "text", "sendPhoto": "photo", "sendDocument": "document"}


def multipart(recorded: Recorded) -> dict[str, Any]:
    """The fields of a multipart body: strings, or (file name, mime type, bytes) for files."""
    head = f"Content-Type: {recorded.headers['content-type']}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + recorded.raw)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        fields[str(name)] = (
            (filename, part.get_content_type(), payload) if filename else payload.decode()
        )
    return fields


def too_many_requests(seconds: int = 1) -> Response:
    return Response(429, {"ok": False, "error_code": 429,
                          "description": f"Too Many Requests: retry after {seconds}",
                          "parameters": {"retry_after": seconds}})  # fmt: skip


class FakeTelegram(FakeServer):
    """Accepts one bot token; remembers the webhook, every message sent and every upload."""

    def __init__(self, token: str = "7000001:fake-token") -> None:
        super().__init__()
        self.token = token
        self.webhook: dict[str, Any] = {}
        self.sent: list[dict[str, Any]] = []
        #: Uploaded and fetched files by file_id: (file name, mime type, bytes or the URL).
        self.files: dict[str, tuple[str, str, bytes | str]] = {}
        self.failures: deque[Response] = deque()
        self._ids = itertools.count(1)
        self._guard = threading.Lock()

    def reset(self) -> None:
        super().reset()
        with self._guard:
            self.webhook, self.sent = {}, []
            self.files.clear()
            self.failures.clear()

    def calls(self, method: str) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith(f"/{method}")]

    def respond(self, recorded: Recorded, reply: Reply) -> Response:
        prefix, _, method = recorded.path.rpartition("/")
        if prefix != f"/bot{self.token}":
            return _error(401, "Unauthorized")
        if recorded.headers.get("content-type", "").startswith("multipart/form-data"):
            body = multipart(recorded)
        else:
            body = recorded.body if isinstance(recorded.body, dict) else {}
        with self._guard:
            if self.failures and method != "getMe":
                return self.failures.popleft()
            if method in _SENDERS:
                return self._send(method, _SENDERS[method], body)
            if method == "editMessageText":
                return self._edit(body)
            return self._admin(method, body)

    def _admin(self, method: str, body: dict[str, Any]) -> Response:
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
        return _error(404, "Not Found")

    def _send(self, method: str, field: str, body: dict[str, Any]) -> Response:
        if not body.get("chat_id"):
            return _error(400, "Bad Request: chat_id is empty")
        message: dict[str, Any] = {"message_id": next(self._ids), "from": BOT,
                                   "chat": {"id": _number(body["chat_id"]), "type": "private"},
                                   "date": int(time.time())}  # fmt: skip
        if field == "text":
            if not body.get("text"):
                return _error(400, "Bad Request: message text is empty")
            message["text"] = body["text"]
        else:
            attached = self._attach(field, body.get(field))
            if isinstance(attached, Response):
                return attached
            message[field] = attached
            if body.get("caption"):
                message["caption"] = body["caption"]
        reply = body.get("reply_parameters")
        reply = json.loads(reply) if isinstance(reply, str) else reply
        if reply:
            message["reply_to_message"] = {"message_id": reply["message_id"]}
        self.sent.append(message)
        return _ok(message)

    def _attach(self, field: str, given: Any) -> Any:
        if isinstance(given, tuple):
            name, mime, content = given
        elif isinstance(given, str) and given.startswith(("http://", "https://")):
            name, mime, content = given.rsplit("/", 1)[-1], "application/octet-stream", given
        elif isinstance(given, str) and given in self.files:
            name, mime, content = self.files[given]
        else:
            return _error(400, f"Bad Request: wrong remote file identifier specified: {field}")
        digest = hashlib.sha256(content if isinstance(content, bytes) else content.encode())
        file_id = f"AgAC{digest.hexdigest()[:24]}"
        self.files[file_id] = (name, mime, content)
        size = len(content) if isinstance(content, bytes) else 0
        described = {"file_id": file_id, "file_unique_id": digest.hexdigest()[:12],
                     "file_size": size}  # fmt: skip
        if field == "photo":
            return [
                described | {"width": 90, "height": 60},
                described | {"width": 800, "height": 533},
            ]
        return described | {"file_name": name, "mime_type": mime}

    def _edit(self, body: dict[str, Any]) -> Response:
        chat, message_id = _number(body.get("chat_id")), _number(body.get("message_id"))
        found = next((m for m in self.sent if m["chat"]["id"] == chat
                      and m["message_id"] == message_id), None)  # fmt: skip
        if found is None:
            return _error(400, "Bad Request: message to edit not found")
        if found.get("text") == body.get("text"):
            return _error(400, "Bad Request: message is not modified: specified new message "
                          "content and reply markup are exactly the same as a current content "
                          "and reply markup of the message")  # fmt: skip
        found["text"], found["edit_date"] = body.get("text"), int(time.time())
        return _ok(found)


def _number(value: Any) -> Any:
    return int(value) if isinstance(value, str) and value.lstrip("-").isdigit() else value


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
