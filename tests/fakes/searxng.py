"""Fake SearXNG instance: ``GET /search?q=…&format=json`` and the pages its results link to.

Follows https://docs.searxng.org/dev/search_api.html: the JSON answer carries ``query``,
``number_of_results`` and ``results`` of ``{url, title, content, engine, score}``. Pages are
HTML served by the same server, so ``Web.research`` can read them offline.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import uvicorn

from kyra.infra.embedded import free_port
from tests.fakes.server import Receive, Send


@dataclass
class Page:
    title: str
    snippet: str
    html: str = ""
    #: Where the result points; None serves ``html`` from this server.
    url: str | None = None


@dataclass
class FakeSearxng:
    """Answers every query with :attr:`pages` (in order); records the queries it got."""

    pages: list[Page] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeSearxng:
        config = uvicorn.Config(
            self._app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off",
            interface="asgi3",
        )  # fmt: skip
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        while not self._server.started:
            threading.Event().wait(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)

    def _search(self, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        if query.get("format") != ["json"]:
            return 403, "text/plain", b"Forbidden"  # SearXNG's answer when JSON is disabled
        q = query.get("q", [""])[0]
        self.queries.append(q)
        results = [
            {"url": p.url or f"{self.url}/page/{i}", "title": p.title, "content": p.snippet,
             "engine": "fake", "score": 1.0 / (i + 1)}
            for i, p in enumerate(self.pages)
        ]  # fmt: skip
        body = {"query": q, "number_of_results": len(results), "results": results,
                "answers": [], "suggestions": [], "unresponsive_engines": []}  # fmt: skip
        return 200, "application/json", json.dumps(body).encode()

    async def _app(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path == "/search":
            status, kind, body = self._search(parse_qs(scope["query_string"].decode()))
        elif path.startswith("/page/") and path[6:].isdigit() and int(path[6:]) < len(self.pages):
            status, kind, body = 200, "text/html", self.pages[int(path[6:])].html.encode()
        else:
            status, kind, body = 404, "text/plain", b"Not Found"
        headers = [(b"content-type", kind.encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
