"""A local fake of the Slack Web API (https://api.slack.com/web) for one workspace and its bot:

- ``POST /api/<method>`` with ``Authorization: Bearer <token>``, JSON (``application/json;
  charset=utf-8``) or form-encoded arguments; answers HTTP 200 ``{"ok": true, ...}`` or
  ``{"ok": false, "error": "<code>"}``; rate limits are HTTP 429 with ``Retry-After``
- ``auth.test``, ``chat.postMessage``, ``chat.update``, ``conversations.list`` (cursor
  pagination: ``limit``, ``cursor`` → ``response_metadata.next_cursor``),
  ``files.getUploadURLExternal`` (form: ``filename``, ``length``) → ``{upload_url, file_id}``,
  the upload itself (``POST`` the bytes to ``upload_url``), ``files.completeUploadExternal``
  (``files: [{id, title}]``, ``channel_id``, ``initial_comment``, ``thread_ts``)

and a helper that signs Events API requests the way Slack does (``X-Slack-Signature``:
``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}`` with the app's signing secret).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.oauth import FakeOAuth
from tests.fakes.server import FakeServer, Recorded, Reply, Response

TEAM = {"id": "T0KYRA", "name": "Kyra Test"}
BOT = {"user_id": "U0BOT", "bot_id": "B0BOT"}
#: A bot token pasted by hand (not from OAuth); valid forever.
PASTED_TOKEN = "xoxb-0000-fake-pasted-token"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_archived: bool = False
    messages: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "is_channel": not self.is_private,
            "is_group": False, "is_im": False, "is_private": self.is_private,
            "is_archived": self.is_archived, "is_member": True, "num_members": 3,
            "topic": {"value": f"About {self.name}", "creator": "U0ADA", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0}, "created": 1449252889,
        }  # fmt: skip


def _channels() -> dict[str, Channel]:
    return {
        c.id: c
        for c in (
            Channel("C0GENERAL", "general"),
            Channel("C0RANDOM", "random"),
            Channel("C0OLD", "old-news", is_archived=True),
            Channel("G0SECRET", "secret-plans", is_private=True),
        )
    }


def sign(
    body: bytes, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """The headers Slack sends with an Events API request."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    base = f"v0:{stamp}:".encode() + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}",
            "Content-Type": "application/json"}  # fmt: skip


class FakeSlack(FakeServer):
    """One workspace; tokens are the pasted one or those ``oauth`` issued."""

    def __init__(self, oauth: FakeOAuth) -> None:
        super().__init__()
        self.oauth = oauth
        self.channels = _channels()
        self.uploads: dict[str, dict[str, Any]] = {}
        self.failures: deque[Response] = deque()
        #: Answers given before normal handling to the next calls of one method.
        self.method_failures: dict[str, deque[Response]] = {}
        #: Most channels per page whatever ``limit`` asks (Slack may return fewer).
        self.page_size = 1000
        self._clock = itertools.count(1)
        self._guard = threading.RLock()

    def reset(self) -> None:
        super().reset()
        with self._guard:
            self.channels = _channels()
            self.uploads.clear()
            self.failures.clear()
            self.method_failures.clear()
            self.page_size = 1000

    def fail_next(self, method: str, answer: Response) -> None:
        """The next call of ``method`` gets ``answer`` (others are served as usual)."""
        with self._guard:
            self.method_failures.setdefault(method, deque()).append(answer)

    def calls(self, method: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == f"/api/{method}"]

    def posted(self, channel_id: str) -> list[dict[str, Any]]:
        return self.channels[channel_id].messages

    # --- the API -----------------------------------------------------------------------------

    def respond(self, recorded: Recorded, reply: Reply) -> Response:
        if recorded.path.startswith("/upload/v1/"):
            return self._upload(recorded)
        token = recorded.headers.get("authorization", "").removeprefix("Bearer ")
        if not token:
            return _error("not_authed")
        if token != PASTED_TOKEN and not self.oauth.valid(token):
            return _error("invalid_auth")
        args = recorded.body if isinstance(recorded.body, dict) else {}
        args = {**recorded.query, **args}
        with self._guard:
            if self.failures:
                return self.failures.popleft()
            method = recorded.path.removeprefix("/api/")
            if self.method_failures.get(method):
                return self.method_failures[method].popleft()
            handler = getattr(self, "_" + method.replace(".", "_"), None)
            return handler(args) if handler else _error("unknown_method")

    def _auth_test(self, args: dict[str, Any]) -> Response:
        return _ok({"url": "https://kyra-test.slack.com/", "team": TEAM["name"],
                    "user": "kyra", "team_id": TEAM["id"], **BOT})  # fmt: skip

    def _channel(self, ref: str) -> Channel | None:
        ref = str(ref or "").lstrip("#")
        return self.channels.get(ref) or next(
            (c for c in self.channels.values() if c.name == ref), None
        )

    def _chat_postMessage(self, args: dict[str, Any]) -> Response:
        channel = self._channel(args.get("channel", ""))
        if channel is None:
            return _error("channel_not_found")
        if channel.is_archived:
            return _error("is_archived")
        text, blocks = args.get("text", ""), args.get("blocks")
        if not text and not blocks:
            return _error("no_text")
        if len(text) > 40_000:
            return _error("msg_too_long")
        ts = f"{int(time.time())}.{next(self._clock):06d}"
        message = {"type": "message", "text": text, "user": BOT["user_id"],
                   "bot_id": BOT["bot_id"], "ts": ts, "team": TEAM["id"]}  # fmt: skip
        if blocks:
            message["blocks"] = blocks if isinstance(blocks, list) else json.loads(blocks)
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        channel.messages.append(message)
        return _ok({"channel": channel.id, "ts": ts, "message": message})

    def _chat_update(self, args: dict[str, Any]) -> Response:
        channel = self.channels.get(str(args.get("channel", "")))
        if channel is None:
            return _error("channel_not_found")
        found = next((m for m in channel.messages if m["ts"] == args.get("ts")), None)
        if found is None:
            return _error("message_not_found")
        if found.get("bot_id") != BOT["bot_id"]:
            return _error("cant_update_message")
        found["text"] = args.get("text", found["text"])
        if args.get("blocks"):
            found["blocks"] = args["blocks"]
        found["edited"] = {"user": BOT["user_id"], "ts": f"{int(time.time())}.000000"}
        return _ok({"channel": channel.id, "ts": found["ts"], "text": found["text"],
                    "message": found})  # fmt: skip

    def _conversations_list(self, args: dict[str, Any]) -> Response:
        types = str(args.get("types") or "public_channel").split(",")
        exclude = str(args.get("exclude_archived", "false")).lower() == "true"
        found = [
            c for c in self.channels.values()
            if ("private_channel" if c.is_private else "public_channel") in types
            and not (exclude and c.is_archived)
        ]  # fmt: skip
        limit = min(int(args.get("limit") or 100), 1000, self.page_size)
        offset = 0
        if args.get("cursor"):
            try:
                offset = int(base64.b64decode(str(args["cursor"])).decode().split(":")[1])
            except (ValueError, IndexError):
                return _error("invalid_cursor")
        page = found[offset : offset + limit]
        more = offset + limit < len(found)
        cursor = base64.b64encode(f"offset:{offset + limit}".encode()).decode() if more else ""
        return _ok({"channels": [c.summary() for c in page],
                    "response_metadata": {"next_cursor": cursor}})  # fmt: skip

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> Response:
        if not args.get("filename") or not str(args.get("length", "")).isdigit():
            return _error("invalid_arguments")
        file_id = f"F0{secrets.token_hex(4).upper()}"
        self.uploads[file_id] = {"filename": args["filename"], "length": int(args["length"]),
                                 "content": None, "shared": None}  # fmt: skip
        return _ok({"upload_url": f"{self.url}/upload/v1/{file_id}", "file_id": file_id})

    def _upload(self, recorded: Recorded) -> Response:
        upload = self.uploads.get(recorded.path.rsplit("/", 1)[-1])
        if upload is None:
            return Response(404, content=b"Not Found", headers={"content-type": "text/plain"})
        upload["content"] = recorded.raw
        body = f"OK - {len(recorded.raw)}".encode()
        return Response(200, content=body, headers={"content-type": "text/plain"})

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> Response:
        files = args.get("files")
        files = json.loads(files) if isinstance(files, str) else files
        shared = []
        for item in files or []:
            upload = self.uploads.get(item.get("id", ""))
            if upload is None or upload["content"] is None:
                return _error("file_not_found")
            if upload["length"] != len(upload["content"]):
                return _error("file_upload_size_mismatch")
            channel = self._channel(args.get("channel_id", "")) if args.get("channel_id") else None
            if args.get("channel_id") and channel is None:
                return _error("channel_not_found")
            upload["shared"] = {"channel": channel.id if channel else None,
                                "comment": args.get("initial_comment"),
                                "thread_ts": args.get("thread_ts")}  # fmt: skip
            shared.append({"id": item["id"], "title": item.get("title") or upload["filename"],
                           "name": upload["filename"], "size": len(upload["content"])})  # fmt: skip
        if not shared:
            return _error("invalid_arguments")
        return _ok({"files": shared})


def _ok(body: dict[str, Any]) -> Response:
    return Response(200, {"ok": True, **body})


def _error(code: str) -> Response:
    return Response(200, {"ok": False, "error": code})


def rate_limited(seconds: int = 1) -> Response:
    """Slack's rate-limit answer (HTTP 429 with Retry-After)."""
    return Response(429, {"ok": False, "error": "ratelimited"},
                    headers={"retry-after": str(seconds)})  # fmt: skip
