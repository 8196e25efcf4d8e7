"""RSS.read against a local server through the real SSRF-guarded client: RSS 2.0, errors, SSRF."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from kyra.errors import BlockedAddressError, NodeError
from kyra.net import create_http_client
from kyra_nodes.rss import read
from tests.nodes.conftest import NodeCtx

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Pódcast</title><link>https://example.org</link>
<description>Episodes</description>
<item><title>Ep 2</title><link>https://example.org/2</link><guid>ep-2</guid>
<pubDate>Tue, 07 May 2024 10:00:00 +0200</pubDate><author>ana@example.org (Ana)</author>
<description>&lt;p&gt;Second&lt;/p&gt;</description><category>audio</category><category>es</category>
<enclosure url="https://example.org/2.mp3" type="audio/mpeg" length="1234"/></item>
<item><title>Ep 1</title><link>https://example.org/1</link></item>
</channel></rss>""".encode()

PAGES = {"/rss": (200, "application/rss+xml", RSS), "/html": (200, "text/html", b"<html>no</html>"),
         "/gone": (404, "text/plain", b"gone")}  # fmt: skip


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, kind, body = PAGES[self.path]
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


async def test_rss_2_entries_are_normalised(node_ctx: NodeCtx, base: str) -> None:
    ports = await node_ctx.run(read.SPEC, url=f"{base}/rss", max_items=5)
    assert ports["feed"] == {
        "title": "Pódcast",
        "link": "https://example.org",
        "description": "Episodes",
        "updated": None,
    }
    first, second = ports["out"]
    assert first == {
        "id": "ep-2",
        "title": "Ep 2",
        "link": "https://example.org/2",
        "published": "2024-05-07T08:00:00+00:00",
        "updated": "2024-05-07T08:00:00+00:00",  # feedparser: updated defaults to published
        "author": "ana@example.org (Ana)",
        "summary": "<p>Second</p>",
        "content": None,
        "categories": ["audio", "es"],
        "enclosures": [{"url": "https://example.org/2.mp3", "type": "audio/mpeg", "length": 1234}],
    }
    assert (second["id"], second["published"], second["enclosures"]) == (
        "https://example.org/1",
        None,
        [],
    )
    assert len((await node_ctx.run(read.SPEC, url=f"{base}/rss", max_items=1))["out"]) == 1


@pytest.mark.parametrize(
    ("path", "message"), [("/html", "is not an RSS or Atom feed"), ("/gone", "HTTP 404")]
)
async def test_what_is_not_a_feed_fails_clearly(
    node_ctx: NodeCtx, base: str, path: str, message: str
) -> None:
    with pytest.raises(NodeError, match=message):
        await node_ctx.run(read.SPEC, url=f"{base}{path}")


async def test_internal_addresses_are_refused(node_ctx: NodeCtx, base: str) -> None:
    async with create_http_client() as guarded:  # no allow-list: loopback is internal
        node_ctx.http = guarded
        with pytest.raises(BlockedAddressError):
            await node_ctx.run(read.SPEC, url=f"{base}/rss")
