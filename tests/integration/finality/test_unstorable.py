"""Values the database cannot store (NUL, lone surrogates) never repeat a node or lose a run
(issue 9, defect 2): a node result holding one fails that node once, naming the path; a trigger
holding one is refused at the entrance with a 400 naming the path."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.graphs.test_examples import wait_for_final
from tests.integration.test_engine_behaviour import by_node, create, graph

#: Response bodies (raw JSON text) by path: NUL and a lone surrogate as JSON escapes.
BODIES = {"/nul": b'{"text": "a\\u0000b"}', "/surrogate": b'{"items": [{"name": "\\ud800"}]}'}


class Server:
    """A local service that counts the requests it gets, per path."""

    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                path = urlsplit(self.path).path
                server.hits[path] = server.hits.get(path, 0) + 1
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = BODIES[path]
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture(scope="module")
def service() -> Iterator[Server]:
    server = Server()
    threading.Thread(target=server.httpd.serve_forever, daemon=True).start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def _calling(url: str) -> dict[str, Any]:
    return graph(
        [
            {"id": "start", "type": "Manual.trigger", "params": {}},
            {"id": "call", "type": "HTTP.request", "params": {"method": "POST", "url": url}},
            {"id": "after", "type": "Core.set", "params": {"values": {"seen": True}}},
        ],
        [("start", "call"), ("call", "after")],
    )


CASES = [("/nul", "output.out.body.text", "NUL"), ("/surrogate", "items[0].name", "surrogate")]


@pytest.mark.parametrize(("path", "where", "what"), CASES, ids=["nul", "surrogate"])
@pytest.mark.parametrize("mode", ["sync", "queue"])
async def test_an_unstorable_result_fails_its_node_once(
    api: httpx.AsyncClient, service: Server, worker: Any, mode: str, path: str, where: str,
    what: str,
) -> None:  # fmt: skip
    graph_id = await create(api, _calling(f"{service.url}{path}?{uuid.uuid4().hex}"))
    before = service.hits.get(path, 0)
    started = await api.post(f"/api/graphs/{graph_id}/runs", json={"mode": mode})
    assert started.status_code in (200, 202), started.text
    run = await wait_for_final(api, started.json()["id"])

    assert run["status"] == "failed"
    call = by_node(run)["call"]
    assert (call["status"], call["attempt"]) == ("failed", 1)
    assert call["error"]["type"] == "UnstorableValueError"
    assert where in call["error"]["message"] and what in call["error"]["message"]
    assert by_node(run)["after"]["status"] == "skipped"
    assert service.hits[path] - before == 1


@pytest.mark.parametrize(
    ("inputs", "where"),
    [({"name": "a\x00b"}, "trigger.name"), ({"tags": ["ok", "\ud800"]}, "")],
    ids=["nul", "surrogate"],
)
@pytest.mark.parametrize("mode", ["sync", "queue"])
async def test_run_inputs_that_cannot_be_stored_are_refused_naming_the_path(
    api: httpx.AsyncClient, mode: str, inputs: dict[str, Any], where: str
) -> None:
    graph_id = await create(api, _calling("http://127.0.0.1:9/"))
    body = json.dumps({"mode": mode, "inputs": inputs})  # ASCII: escapes NUL and surrogates
    answer = await api.post(
        f"/api/graphs/{graph_id}/runs", content=body, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400, answer.text
    assert where in answer.json()["detail"]  # (the API's JSON decoder refuses lone surrogates)
    assert (await api.get(f"/api/graphs/{graph_id}/runs")).json() == []


@pytest.mark.parametrize("raw", [b'{"note": "x\\u0000y"}', b'{"note": "\\udc00"}'])
@pytest.mark.parametrize("reply_mode", ["sync", "async"])
async def test_a_webhook_body_that_cannot_be_stored_is_refused(
    api: httpx.AsyncClient, reply_mode: str, raw: bytes
) -> None:
    path = f"nul-{uuid.uuid4().hex[:8]}"
    document = graph(
        [
            {"id": "hook", "type": "Webhook.trigger",
             "params": {"path": path, "reply": reply_mode}},
            {"id": "echo", "type": "Core.set", "params": {"values": {"got": "{{ trigger.body }}"}}},
        ],
        [("hook", "echo")],
    )  # fmt: skip
    await create(api, document)
    answer = await api.post(
        f"/hooks/{path}", content=raw, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400, answer.text
    assert "trigger.body.note" in answer.json()["detail"]
