"""Every data, file and feed node type runs inside a saved graph in sync and in queue mode
(a real worker process); file references pass between nodes in both modes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from typing import Any

import httpx
import pytest

from tests.graphs.test_examples import wait_for_final
from tests.integration.test_engine_behaviour import create, graph

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Kyra news</title>
<link href="https://example.org/"/><updated>2024-05-02T10:00:00Z</updated>
<entry><title>Ma\xc3\xb1ana</title><id>urn:1</id><link href="https://example.org/1"/>
<updated>2024-05-02T10:00:00+02:00</updated><summary>Hola</summary>
<category term="news"/></entry></feed>"""


@pytest.fixture(scope="module")
def feed_url() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/atom+xml")
            self.send_header("Content-Length", str(len(ATOM)))
            self.end_headers()
            self.wfile.write(ATOM)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    server.shutdown()


ROWS = [
    {"id": 1, "name": "Zoë", "amount": "12.5", "tags": ["a", "b"], "at": "2024-01-31"},
    {"id": 2, "name": "bo", "amount": 3, "tags": [], "at": "2024-02-15T08:00:00Z"},
    {"id": 2, "name": "bo", "amount": 3, "tags": [], "at": "2024-02-15T08:00:00Z"},
]


def node(node_id: str, type_name: str, **params: Any) -> dict[str, Any]:
    return {"id": node_id, "type": type_name, "params": params}


def chain(*nodes: dict[str, Any], value: Any = ROWS) -> dict[str, Any]:
    """start → data (a Core.set holding ``value``) → the given nodes, one after the other."""
    steps = [
        {"id": "start", "type": "Manual.trigger"},
        node("data", "Core.set", values=value),
        *nodes,
    ]
    return graph(steps, [(a["id"], b["id"]) for a, b in pairwise(steps)])


sha = hashlib.sha256
CASES: list[tuple[str, dict[str, Any], Any]] = [
    ("Data.filter", chain(node("x", "Data.filter", conditions=[
        {"field": "amount", "op": "gt", "value": 5}])), [ROWS[0]]),
    ("Data.sort", chain(node("x", "Data.sort", keys=[
        {"field": "amount", "type": "number"}, {"field": "id", "order": "desc"}])),
     [ROWS[1], ROWS[2], ROWS[0]]),
    ("Data.limit", chain(node("x", "Data.limit", count=1, keep="last")), [ROWS[2]]),
    ("Data.deduplicate", chain(node("x", "Data.deduplicate")), ROWS[:2]),
    ("Data.aggregate", chain(node("x", "Data.aggregate", group_by=["name"], aggregations=[
        {"op": "sum", "field": "amount", "output": "total"}])),
     [{"name": "Zoë", "total": 12.5}, {"name": "bo", "total": 6}]),
    ("Data.split_out", chain(node("x", "Data.split_out", field="tags", destination="tag",
                                  include="selected", fields=["id"])),
     [{"id": 1, "tag": "a"}, {"id": 1, "tag": "b"}]),
    ("Data.rename_keys", chain(node("x", "Data.rename_keys", renames=[
        {"from": "name", "to": "who.name"}]), node("y", "Data.limit", count=1)),
     [{"id": 1, "amount": "12.5", "tags": ["a", "b"], "at": "2024-01-31", "who": {"name": "Zoë"}}]),
    ("DateTime.format", chain(node("x", "DateTime.format", field="at", format="%d/%m/%Y")),
     [{**ROWS[0], "at": "31/01/2024"}, {**ROWS[1], "at": "15/02/2024"},
      {**ROWS[2], "at": "15/02/2024"}]),
    ("DateTime.shift", chain(node("x", "DateTime.shift", value="2024-01-31", amount=1,
                                  unit="months", format="iso_date")), "2024-02-29"),
    ("Crypto.hash", chain(node("x", "Crypto.hash", value="ñ")), sha("ñ".encode()).hexdigest()),
    ("XML.build", chain(node("x", "XML.build", value={"a": {"@n": "1", "b": "ç"}},
                             pretty=False, declaration=False)), '<a n="1"><b>ç</b></a>'),
    ("XML.parse", chain(node("x", "XML.parse", text="<a n='1'><b>ç</b></a>")),
     {"a": {"@n": "1", "b": "ç"}}),
    ("HTML.extract", chain(node("x", "HTML.extract", html="<p>Hi <b>you</b></p>",
                                extractions=[{"key": "p", "selector": "p"}])), {"p": "Hi you"}),
    ("CSV.build", chain(node("x", "CSV.build", columns=["id", "name"])),
     "id,name\r\n1,Zoë\r\n2,bo\r\n2,bo\r\n"),
    ("CSV.parse", chain(node("x", "CSV.build", columns=["name"], output="file"),
                        node("y", "CSV.parse")),
     [{"name": "Zoë"}, {"name": "bo"}, {"name": "bo"}]),
    ("Spreadsheet.write", chain(node("x", "Spreadsheet.write", columns=["id", "name"]),
                                node("y", "Spreadsheet.read")),
     [{"id": 1, "name": "Zoë"}, {"id": 2, "name": "bo"}, {"id": 2, "name": "bo"}]),
    ("Text.split", chain(node("x", "Text.split", text="Uno. Dos. Tres.", chunk_size=10,
                              chunk_overlap=0)),
     [{"index": 0, "text": "Uno. Dos.", "size": 9}, {"index": 1, "text": "Tres.", "size": 5}]),
]  # fmt: skip


async def run_both_modes(api: httpx.AsyncClient, document: dict[str, Any]) -> list[Any]:
    graph_id = await create(api, document)
    last = document["nodes"][-1]["id"]
    outputs = []
    sync = await api.post(f"/api/graphs/{graph_id}/runs", json={"mode": "sync"})
    assert sync.json()["status"] == "succeeded", sync.json()["node_runs"]
    outputs.append(sync.json()["output"][last])
    queued = await api.post(f"/api/graphs/{graph_id}/runs", json={"mode": "queue"})
    run = await wait_for_final(api, queued.json()["id"])
    assert run["status"] == "succeeded", run["node_runs"]
    outputs.append(run["output"][last])
    return outputs


@pytest.mark.parametrize(
    ("document", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_node_runs_in_a_graph_in_sync_and_queue_mode(
    api: httpx.AsyncClient, worker: Any, document: dict[str, Any], expected: Any
) -> None:
    assert await run_both_modes(api, document) == [expected, expected]


async def test_data_compare_routes_to_four_ports(api: httpx.AsyncClient, worker: Any) -> None:
    document = graph(
        [
            {"id": "start", "type": "Manual.trigger"},
            node("a", "Core.set", values=[{"k": 1, "v": "x"}, {"k": 2, "v": "y"}]),
            node("b", "Core.set", values=[{"k": 2, "v": "Y"}, {"k": 3, "v": "z"}]),
            node("cmp", "Data.compare", keys=["k"]),
            node("report", "Core.set", values={
                "a": "{{ nodes.cmp.outputs.only_a | length }}",
                "b": "{{ nodes.cmp.outputs.only_b[0].k }}",
                "changed": "{{ nodes.cmp.outputs.different[0].changed }}"}),
        ],
        [("start", "a"), ("start", "b"), ("cmp", "report", "different")],
    )  # fmt: skip
    document["edges"] += [
        {"source": "a", "sourcePort": "out", "target": "cmp", "targetPort": "a"},
        {"source": "b", "sourcePort": "out", "target": "cmp", "targetPort": "b"},
    ]
    expected = {"a": 1, "b": 3, "changed": ["v"]}
    assert await run_both_modes(api, document) == [expected, expected]


async def test_hmac_signs_with_an_attached_credential(api: httpx.AsyncClient, worker: Any) -> None:
    created = await api.post(
        "/api/credentials",
        json={"name": "signing-key", "kind": "hmac_secret", "data": {"secret": "k3y"}},
    )
    assert created.status_code == 201, created.text
    sign = node("x", "Crypto.hmac", value="payload", encoding="base64")
    sign["credentials"] = {"hmac_secret": created.json()["id"]}
    expected = base64.b64encode(hmac.new(b"k3y", b"payload", sha).digest()).decode()
    assert await run_both_modes(api, chain(sign)) == [expected, expected]


async def test_rss_read_normalises_entries(
    api: httpx.AsyncClient, worker: Any, feed_url: str
) -> None:
    document = chain(node("x", "RSS.read", url=feed_url))
    entry = {
        "id": "urn:1",
        "title": "Mañana",
        "link": "https://example.org/1",
        "published": None,
        "updated": "2024-05-02T08:00:00+00:00",
        "author": None,
        "summary": "Hola",
        "content": None,
        "categories": ["news"],
        "enclosures": [],
    }
    assert await run_both_modes(api, document) == [[entry], [entry]]
