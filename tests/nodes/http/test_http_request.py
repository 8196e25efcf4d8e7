"""HTTP.request against a real server on 127.0.0.1, through the real SSRF-guarded client."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from kyra.errors import BlockedAddressError, CredentialError, NodeError
from kyra.net import create_http_client
from kyra_nodes.http.request import MAX_RESPONSE_BYTES, SPEC, Params


class _Handler(BaseHTTPRequestHandler):
    def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        length = int(self.headers.get("Content-Length") or 0)
        sent = self.rfile.read(length).decode() if length else ""
        if url.path in ("/redirect", "/loop"):
            self.send_response(302)
            self.send_header("Location", query["to"][0] if "to" in query else "/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif url.path == "/text":
            self._reply(200, b"plain words", "text/plain; charset=utf-8")
        elif url.path.startswith("/status/"):
            self._reply(int(url.path.rsplit("/", 1)[1]), b'{"error": "nope"}')
        elif url.path == "/big":
            self._reply(200, b"x" * (MAX_RESPONSE_BYTES + 1), "application/octet-stream")
        else:
            echo = {
                "method": self.command,
                "path": url.path,
                "query": query,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": sent,
            }
            self._reply(200, json.dumps(echo).encode())

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

    def log_message(self, *args: object) -> None:
        pass


def _serve() -> ThreadingHTTPServer:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    httpd = _serve()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def other() -> Iterator[str]:
    """A second server: another origin (same host, other port)."""
    httpd = _serve()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@dataclass
class FakeContext:
    """Only what HTTP.request uses: the guarded client and optional credentials."""

    http: httpx.AsyncClient
    credentials: dict[str, dict[str, Any]] = field(default_factory=dict)
    idempotency_key: str = "run-1:call"

    async def credential(self, kind: str) -> dict[str, Any]:
        return self.credentials.get(kind, {})


@pytest.fixture
async def ctx() -> AsyncIterator[FakeContext]:
    async with create_http_client(allow_hosts=["127.0.0.1"]) as client:
        yield FakeContext(http=client)


async def run(ctx: FakeContext, **params: Any) -> dict[str, Any]:
    assert SPEC.execute is not None
    result = await SPEC.execute(ctx, Params(**params), {"in": None})
    return result["out"]


async def test_get_returns_status_headers_and_parsed_json(ctx: FakeContext, base: str) -> None:
    out = await run(ctx, url=f"{base}/hello", query={"q": "a b", "n": 2})
    assert out["status"] == 200
    assert out["headers"]["content-type"] == "application/json"
    assert out["body"]["path"] == "/hello"
    assert out["body"]["query"] == {"q": ["a b"], "n": ["2"]}


async def test_text_responses_stay_text(ctx: FakeContext, base: str) -> None:
    out = await run(ctx, url=f"{base}/text")
    assert out["body"] == "plain words"


async def test_json_format_on_a_text_response_fails(ctx: FakeContext, base: str) -> None:
    with pytest.raises(NodeError, match="not JSON"):
        await run(ctx, url=f"{base}/text", response_format="json")


async def test_object_body_is_sent_as_json(ctx: FakeContext, base: str) -> None:
    out = await run(ctx, method="POST", url=f"{base}/echo", body={"a": [1, 2]})
    assert out["body"]["headers"]["content-type"] == "application/json"
    assert json.loads(out["body"]["body"]) == {"a": [1, 2]}


async def test_changes_carry_the_idempotency_key(ctx: FakeContext, base: str) -> None:
    first = await run(ctx, method="POST", url=f"{base}/echo", body={"a": 1})
    again = await run(ctx, method="POST", url=f"{base}/echo", body={"a": 1})
    keys = [out["body"]["headers"]["idempotency-key"] for out in (first, again)]
    assert keys == ["run-1:call", "run-1:call"]


async def test_reads_carry_no_idempotency_key(ctx: FakeContext, base: str) -> None:
    out = await run(ctx, url=f"{base}/echo")
    assert "idempotency-key" not in out["body"]["headers"]


async def test_idempotency_header_is_configurable(ctx: FakeContext, base: str) -> None:
    out = await run(ctx, method="DELETE", url=f"{base}/echo", idempotency_header="X-Request-Id")
    assert out["body"]["headers"]["x-request-id"] == "run-1:call"
    off = await run(ctx, method="PUT", url=f"{base}/echo", idempotency_header="")
    assert "idempotency-key" not in off["body"]["headers"]


async def test_an_explicit_header_wins_over_the_key(ctx: FakeContext, base: str) -> None:
    headers = {"Idempotency-Key": "mine"}
    out = await run(ctx, method="POST", url=f"{base}/echo", headers=headers)
    assert out["body"]["headers"]["idempotency-key"] == "mine"


async def test_string_body_is_sent_as_is(ctx: FakeContext, base: str) -> None:
    headers = {"Content-Type": "text/csv"}
    out = await run(ctx, method="PUT", url=f"{base}/echo", body="a,b\n1,2", headers=headers)
    assert (out["body"]["body"], out["body"]["headers"]["content-type"]) == ("a,b\n1,2", "text/csv")


async def test_client_error_status_fails_without_retry(ctx: FakeContext, base: str) -> None:
    with pytest.raises(NodeError, match="HTTP 404") as info:
        await run(ctx, url=f"{base}/status/404")
    assert info.value.retryable is False
    assert info.value.details["status"] == 404


async def test_server_error_status_fails_and_may_retry(ctx: FakeContext, base: str) -> None:
    with pytest.raises(NodeError, match="HTTP 503") as info:
        await run(ctx, url=f"{base}/status/503")
    assert info.value.retryable is True


async def test_status_is_returned_when_not_failing_on_it(ctx: FakeContext, base: str) -> None:
    out = await run(ctx, url=f"{base}/status/404", fail_on_status=False)
    assert (out["status"], out["body"]) == (404, {"error": "nope"})


@pytest.mark.parametrize(
    ("credential", "header", "value"),
    [
        ({"type": "bearer", "token": "t0k"}, "authorization", "Bearer t0k"),
        ({"type": "basic", "username": "u", "password": "p"}, "authorization", "Basic dTpw"),
        ({"type": "header", "header_name": "X-Api-Key", "header_value": "k"}, "x-api-key", "k"),
    ],
)
async def test_credential_is_sent(
    ctx: FakeContext, base: str, credential: dict[str, str], header: str, value: str
) -> None:
    ctx.credentials["http_auth"] = credential
    out = await run(ctx, url=f"{base}/echo")
    assert out["body"]["headers"][header] == value


async def test_no_credential_sends_no_authorization(ctx: FakeContext, base: str) -> None:
    out = await run(ctx, url=f"{base}/echo")
    assert "authorization" not in out["body"]["headers"]


async def test_incomplete_credential_is_refused(ctx: FakeContext, base: str) -> None:
    ctx.credentials["http_auth"] = {"type": "header"}
    with pytest.raises(CredentialError):
        await run(ctx, url=f"{base}/echo")


async def test_credential_stays_on_same_origin_redirects(ctx: FakeContext, base: str) -> None:
    ctx.credentials["http_auth"] = {
        "type": "header",
        "header_name": "X-Api-Key",
        "header_value": "k",
    }
    out = await run(ctx, url=f"{base}/redirect", query={"to": f"{base}/echo"})
    assert out["body"]["headers"]["x-api-key"] == "k"


async def test_credential_is_dropped_on_cross_origin_redirects(
    ctx: FakeContext, base: str, other: str
) -> None:
    ctx.credentials["http_auth"] = {
        "type": "header",
        "header_name": "X-Api-Key",
        "header_value": "k",
    }
    out = await run(ctx, url=f"{base}/redirect", query={"to": f"{other}/echo"})
    assert out["body"]["path"] == "/echo"
    assert "x-api-key" not in out["body"]["headers"]


async def test_redirects_are_not_followed_when_disabled(ctx: FakeContext, base: str) -> None:
    out = await run(ctx, url=f"{base}/redirect", query={"to": "/echo"}, follow_redirects=False)
    assert out["status"] == 302


async def test_redirect_loops_fail(ctx: FakeContext, base: str) -> None:
    with pytest.raises(NodeError, match="More than 5 redirects"):
        await run(ctx, url=f"{base}/loop")


async def test_redirect_to_internal_address_is_refused(ctx: FakeContext, base: str) -> None:
    with pytest.raises(BlockedAddressError, match="metadata"):
        await run(ctx, url=f"{base}/redirect", query={"to": "http://169.254.169.254/latest/"})


async def test_internal_addresses_are_refused(ctx: FakeContext) -> None:
    with pytest.raises(BlockedAddressError, match="private"):
        await run(ctx, url="http://10.0.0.1/admin")


async def test_oversized_response_fails(ctx: FakeContext, base: str) -> None:
    with pytest.raises(NodeError, match="larger than"):
        await run(ctx, url=f"{base}/big")


async def test_unreachable_host_is_a_node_error(ctx: FakeContext) -> None:
    with pytest.raises(NodeError, match="failed"):
        await run(ctx, url="http://127.0.0.1:9/", timeout_s=5)


def test_spec_declares_an_optional_http_auth_credential() -> None:
    assert [(c.kind, c.required) for c in SPEC.credentials] == [("http_auth", False)]
    assert SPEC.tool_name == "HTTP__request"


async def test_a_response_is_saved_as_a_file_and_a_file_is_uploaded(
    node_ctx: Any, base: str
) -> None:
    saved = await node_ctx.run(SPEC, url=f"{base}/text", response_format="file")
    ref = saved["out"]["body"]
    assert (ref["name"], ref["mime"], ref["size"]) == ("text", "text/plain", 11)

    sent = await node_ctx.run(SPEC, method="POST", url=f"{base}/echo", body=ref)
    echo = sent["out"]["body"]
    assert echo["body"] == "plain words"
    assert (echo["headers"]["content-type"], echo["headers"]["content-length"]) == (
        "text/plain",
        "11",
    )
    named = await node_ctx.run(
        SPEC, url=f"{base}/text", response_format="file", file_name="words.txt"
    )
    assert named["out"]["body"]["name"] == "words.txt"


async def test_a_failed_download_is_not_stored(node_ctx: Any, base: str) -> None:
    with pytest.raises(NodeError, match="HTTP 404"):
        await node_ctx.run(SPEC, url=f"{base}/status/404", response_format="file")
