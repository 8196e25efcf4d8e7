"""A scriptable HTTP server on 127.0.0.1 (plain ASGI under uvicorn, in a background thread).

Each fake provider subclasses :class:`FakeServer` and renders :class:`Reply` scripts in its own
wire format. Tests queue replies with :meth:`FakeServer.script`; when the queue is empty the
server answers a default text reply. Every request is recorded.
"""

from __future__ import annotations

import json
import math
import threading
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn

from kyra.infra.embedded import free_port

Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]


@dataclass
class ToolUse:
    """A tool call the fake model makes."""

    name: str
    arguments: dict[str, Any]
    id: str = ""


@dataclass
class Reply:
    """One scripted answer: a completion, or an error when ``status`` is not 200."""

    text: str = "Hello from the fake model."
    tool_calls: list[ToolUse] = field(default_factory=list)
    #: (prompt, completion) tokens to report; None counts ~4 characters per token.
    usage: tuple[int, int] | None = None
    #: Report usage in streams (OpenAI: only when the client asked for it).
    stream_usage: bool = True
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    error_type: str = "server_error"
    finish: str | None = None


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    #: JSON bodies decoded, form bodies as a dict of strings, anything else None (see ``raw``).
    body: Any
    #: Query parameters (the last value of a repeated one; all of them in ``query_all``).
    query: dict[str, str] = field(default_factory=dict)
    raw: bytes = b""
    query_all: dict[str, list[str]] = field(default_factory=dict)
    #: The path as sent, percent-encoding kept (signatures are computed over it).
    raw_path: str = ""
    #: The query string as sent.
    raw_query: str = ""


@dataclass
class Response:
    status: int
    body: Any = None
    events: list[bytes] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    #: Sent as is instead of ``body`` as JSON (HTML pages, redirects, raw files).
    content: bytes | None = None


def estimate(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


class FakeServer:
    """Base fake: recording, scripting, and the thread that serves."""

    def __init__(self) -> None:
        self.port = free_port()
        self.requests: list[Recorded] = []
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def script(self, *replies: Reply) -> None:
        """Queue replies, answered in order by the next requests."""
        with self._lock:
            self._script.extend(replies)

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self.requests.clear()

    def reset_requests(self) -> None:
        """Forget the requests recorded so far (the fake's state stays)."""
        with self._lock:
            self.requests.clear()

    def start(self) -> FakeServer:
        config = uvicorn.Config(
            self._app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            interface="asgi3",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("fake server did not start")
            threading.Event().wait(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)

    def scripted(self, recorded: Recorded) -> bool:
        """Whether ``recorded`` takes the next scripted reply (other requests get the default)."""
        return True

    def respond(self, recorded: Recorded, reply: Reply) -> Response:
        raise NotImplementedError("The 'respond' method must be implemented.")

    def _next_reply(self) -> Reply:
        with self._lock:
            return self._script.popleft() if self._script else Reply()

    async def _app(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        pairs = parse_qsl(scope.get("query_string", b"").decode(), keep_blank_values=True)
        query_all: dict[str, list[str]] = {}
        for name, value in pairs:
            query_all.setdefault(name, []).append(value)
        body = _decoded(raw, headers.get("content-type", ""))
        recorded = Recorded(
            scope["method"], scope["path"], headers, body, dict(pairs), raw, query_all,
            (scope.get("raw_path") or scope["path"].encode()).decode(),
            scope.get("query_string", b"").decode(),
        )  # fmt: skip
        with self._lock:
            self.requests.append(recorded)
        reply = self._next_reply() if self.scripted(recorded) else Reply()
        await _send(send, self.respond(recorded, reply))


def _decoded(raw: bytes, content_type: str) -> Any:
    if not raw:
        return None
    if "x-www-form-urlencoded" in content_type:
        return dict(parse_qsl(raw.decode(), keep_blank_values=True))
    if "json" in content_type or not content_type:
        try:
            return json.loads(raw)
        except ValueError:
            return None
    return None


async def _send(send: Send, response: Response) -> None:
    if response.content is not None:
        await _start(send, response.status, response.headers)
        await send({"type": "http.response.body", "body": response.content})
        return
    if response.events is None:
        payload = json.dumps(response.body).encode()
        headers = {"content-type": "application/json", **response.headers}
        await _start(send, response.status, headers)
        await send({"type": "http.response.body", "body": payload})
        return
    headers = {"content-type": "text/event-stream", "cache-control": "no-cache", **response.headers}
    await _start(send, response.status, headers)
    async for event in _iterate(response.events):
        await send({"type": "http.response.body", "body": event, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def _start(send: Send, status: int, headers: dict[str, str]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        }
    )


async def _iterate(events: list[bytes]) -> AsyncIterator[bytes]:
    for event in events:
        yield event


def sse(data: Any, event: str | None = None) -> bytes:
    """One server-sent event."""
    head = f"event: {event}\n" if event else ""
    body = data if isinstance(data, str) else json.dumps(data)
    return f"{head}data: {body}\n\n".encode()


def split(text: str, size: int = 8) -> list[str]:
    """Text in stream-sized pieces."""
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]
