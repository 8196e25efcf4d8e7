"""A local fake of Discord's HTTP API (https://discord.com/developers/docs/reference), v10.

- bot requests carry ``Authorization: Bot <token>``: ``GET /api/v10/users/@me``,
  ``POST /api/v10/channels/{channel.id}/messages`` (``content`` ≤ 2000 characters, ``embeds``,
  ``allowed_mentions``, ``message_reference``, ``nonce`` + ``enforce_nonce``: a nonce seen from
  the same author in the last minutes returns the first message instead of posting again)
- webhooks, authenticated by the token in their URL: ``GET /api/webhooks/{id}/{token}`` and
  ``POST /api/webhooks/{id}/{token}`` (``?wait=true`` answers the message, else 204;
  ``?thread_id=`` posts in a thread; ``username``, ``avatar_url``)
- errors ``{"message", "code"}`` (``{"code": 50035, "errors": …}`` for invalid bodies); rate
  limits are HTTP 429 with ``Retry-After`` and ``{"message", "retry_after", "global"}``
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from datetime import UTC, datetime
from typing import Any

from tests.fakes.server import FakeServer, Recorded, Reply, Response

BOT_TOKEN = "MTAxNDk4.fake.discord-bot-token"
BOT = {"id": "1014980000000000001", "username": "kyra-bot", "bot": True, "discriminator": "0"}
CHANNEL_ID = "1100000000000000001"
THREAD_ID = "1100000000000000002"
WEBHOOK_ID = "1200000000000000001"
WEBHOOK_TOKEN = "fake-webhook-token_abc123"


def discord_error(status: int, code: int, message: str, **extra: Any) -> Response:
    return Response(status, {"message": message, "code": code, **extra})


def rate_limited(seconds: int = 1) -> Response:
    """Discord's 429 answer."""
    return Response(429, {"message": "You are being rate limited.", "retry_after": seconds,
                          "global": False},
                    headers={"retry-after": str(seconds), "x-ratelimit-scope": "user"})  # fmt: skip


class FakeDiscord(FakeServer):
    """One guild with a text channel and a thread, one bot and one webhook."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[dict[str, Any]] = []
        self.failures: deque[Response] = deque()
        self._ids = itertools.count(1)
        self._guard = threading.Lock()

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/api/webhooks/{WEBHOOK_ID}/{WEBHOOK_TOKEN}"

    def reset(self) -> None:
        super().reset()
        with self._guard:
            self.messages.clear()
            self.failures.clear()

    def respond(self, recorded: Recorded, reply: Reply) -> Response:
        path = recorded.path.removeprefix("/api").removeprefix("/v10")
        with self._guard:
            if path.startswith("/webhooks/"):
                return self._webhook(recorded, path)
            if recorded.headers.get("authorization") != f"Bot {BOT_TOKEN}":
                return discord_error(401, 0, "401: Unauthorized")
            if self.failures:
                return self.failures.popleft()
            if (recorded.method, path) == ("GET", "/users/@me"):
                return Response(200, BOT)
            if (
                recorded.method == "POST"
                and path.startswith("/channels/")
                and path.endswith("/messages")
            ):
                return self._create(path.split("/")[2], recorded.body, BOT)
        return discord_error(404, 0, "404: Not Found")

    def _webhook(self, recorded: Recorded, path: str) -> Response:
        if path != f"/webhooks/{WEBHOOK_ID}/{WEBHOOK_TOKEN}":
            return discord_error(404, 10015, "Unknown Webhook")
        if self.failures:
            return self.failures.popleft()
        if recorded.method == "GET":
            return Response(200, {"id": WEBHOOK_ID, "type": 1, "name": "Kyra alerts",
                                  "channel_id": CHANNEL_ID, "guild_id": "1000",
                                  "token": WEBHOOK_TOKEN})  # fmt: skip
        body = dict(recorded.body or {})
        author = {"id": WEBHOOK_ID, "username": body.get("username") or "Kyra alerts", "bot": True}
        created = self._create(recorded.query.get("thread_id") or CHANNEL_ID, body, author)
        if created.status == 200:
            created.body["webhook_id"] = WEBHOOK_ID
            if recorded.query.get("wait") != "true":
                return Response(204, content=b"")
        return created

    def _create(self, channel_id: str, body: Any, author: dict[str, Any]) -> Response:
        if channel_id not in (CHANNEL_ID, THREAD_ID):
            return discord_error(404, 10003, "Unknown Channel")
        body = body if isinstance(body, dict) else {}
        content = str(body.get("content") or "")
        if len(content) > 2000:
            too_long = {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer long."}
            return discord_error(400, 50035, "Invalid Form Body",
                                 errors={"content": {"_errors": [too_long]}})  # fmt: skip
        if not content and not body.get("embeds"):
            return discord_error(400, 50006, "Cannot send an empty message")
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            for message in self.messages:
                if message.get("nonce") == nonce and message["author"]["id"] == author["id"]:
                    return Response(200, message)
        message = {"id": f"13000000000000{next(self._ids):05d}", "type": 0,
                   "channel_id": channel_id, "content": content, "author": author,
                   "embeds": body.get("embeds") or [], "tts": bool(body.get("tts")),
                   "timestamp": datetime.now(UTC).isoformat(), "nonce": nonce,
                   "message_reference": body.get("message_reference")}  # fmt: skip
        self.messages.append(message)
        return Response(200, message)
