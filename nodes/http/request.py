"""Call an HTTP endpoint through the engine's SSRF-guarded client and output the response."""

from __future__ import annotations

import json
from email.message import Message
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext, is_file_ref
from kyra.errors import CredentialError, NodeError
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes.http.credentials import HTTP_AUTH

#: Largest response body read; more fails the node instead of filling memory.
MAX_RESPONSE_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
_RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
#: Methods that read only: they never carry an idempotency key.
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
Scalar = str | int | float | bool | None


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] = "GET"
    url: str = Field(description="Absolute http(s) URL; templates allowed")
    headers: dict[str, str] = Field(default_factory=dict, description="Extra request headers")
    query: dict[str, Scalar | list[Scalar]] = Field(
        default_factory=dict, description="Query-string parameters"
    )
    body: Any = Field(
        None,
        description='Request body: a string is sent as-is, a file reference {"$file": …} '
        "streams that file, other JSON values are sent as JSON",
    )
    timeout_s: float = Field(30, gt=0, le=300, description="Timeout per request, seconds")
    response_format: Literal["auto", "json", "text", "file"] = Field(
        "auto",
        description="How to decode the body; auto parses JSON content types; file stores the "
        "body (streamed, any size) and outputs a file reference",
    )
    file_name: str = Field(
        "", description="Name of the stored file; defaults to the server's or the URL's"
    )
    fail_on_status: bool = Field(
        True, description="Fail the node (retry / error port) unless the status is 2xx"
    )
    follow_redirects: bool = Field(True, description=f"Follow up to {MAX_REDIRECTS} redirects")
    idempotency_header: str = Field(
        "Idempotency-Key",
        max_length=100,
        description=(
            "Header carrying this node's idempotency key on POST, PUT, PATCH and DELETE, the "
            "same on every retry and redelivery so the server can drop repeats; empty sends none"
        ),
    )


SPEC = NodeSpec(
    type="HTTP.request",
    title="HTTP request",
    category="Core",
    icon="globe",
    description=(
        "Send an HTTP request and output its status, headers and body; the request may change "
        "data on the remote server. Can upload a stored file and save the response as a file. "
        "Internal and private addresses are refused."
    ),
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="{status, headers, body}")],
    credentials=[CredentialRef("http_auth", required=False)],
    timeout_s=330,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    credential = await ctx.credential("http_auth")
    body, body_headers = await _body(ctx, params.body)
    try:
        request = ctx.http.build_request(
            params.method,
            params.url,
            headers={**body_headers, **_idempotency(ctx, params), **params.headers},
            params=params.query or None,
            timeout=params.timeout_s,
            **body,
        )
        secret = _authenticate(request, credential)
        response = await _send(ctx.http, request, secret, follow=params.follow_redirects)
        try:
            if params.response_format == "file" and response.is_success:
                return {"out": await _save(ctx, params, response)}
            content = await _read(response)
        finally:
            await response.aclose()
    except httpx.InvalidURL as exc:
        raise NodeError(f"Invalid URL: {exc}") from None
    except httpx.TimeoutException:
        raise NodeError(f"{params.method} {_shown(params.url)} timed out") from None
    except httpx.HTTPError as exc:
        raise NodeError(f"{params.method} {_shown(params.url)} failed: {exc}") from None
    body = _decode(response, content, params.response_format)
    if params.fail_on_status and not _accepted(response, params.follow_redirects):
        error = NodeError(
            f"HTTP {response.status_code} {response.reason_phrase} from "
            f"{params.method} {_shown(response.url)}",
            details={
                "status": response.status_code,
                "body": content[:2000].decode(errors="replace"),
            },
        )
        error.retryable = response.status_code in _RETRYABLE_STATUS
        raise error
    return {
        "out": {"status": response.status_code, "headers": dict(response.headers), "body": body}
    }


def _authenticate(request: httpx.Request, credential: dict[str, Any]) -> set[str]:
    """Inject the credential; returns the names of the headers that carry it."""
    if not credential:
        return set()
    before = dict(request.headers)
    HTTP_AUTH.injection.apply(request, credential)
    added = {name for name, value in request.headers.items() if before.get(name) != value}
    if not added:
        kind = credential.get("type")
        raise CredentialError(f"http_auth credential of type {kind!r} is incomplete or unknown.")
    return added


def _idempotency(ctx: NodeContext, params: Params) -> dict[str, str]:
    if params.method in _SAFE_METHODS or not params.idempotency_header:
        return {}
    return {params.idempotency_header: ctx.idempotency_key}


async def _body(ctx: NodeContext, body: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Request arguments for the body, and default headers (the params' headers win)."""
    if body is None:
        return {}, {}
    if isinstance(body, str):
        return {"content": body.encode()}, {}
    if is_file_ref(body):
        stored = await ctx.files.describe(body)
        headers = {"Content-Type": stored["mime"], "Content-Length": str(stored["size"])}
        return {"content": ctx.files.chunks(body)}, headers
    return {"json": body}, {}


async def _save(ctx: NodeContext, params: Params, response: httpx.Response) -> dict[str, Any]:
    """The response with its body stored as a file (streamed: never held in memory)."""
    name = params.file_name or _served_name(response) or "download"
    ref = await ctx.files.save(
        response.aiter_bytes(), name=name, mime=response.headers.get("content-type", "")
    )
    return {"status": response.status_code, "headers": dict(response.headers), "body": ref}


def _served_name(response: httpx.Response) -> str:
    disposition = Message()
    disposition["content-disposition"] = response.headers.get("content-disposition", "")
    name = disposition.get_filename()
    return name or response.url.path.rstrip("/").rsplit("/", 1)[-1]


async def _send(
    client: httpx.AsyncClient, request: httpx.Request, secret: set[str], *, follow: bool
) -> httpx.Response:
    # Redirects by hand so credential headers never travel to another origin.
    origin = _origin(request.url)
    for _ in range(MAX_REDIRECTS + 1):
        response = await client.send(request, stream=True, follow_redirects=False)
        if not follow or response.next_request is None:
            return response
        await response.aclose()
        request = response.next_request
        if _origin(request.url) != origin:
            for name in secret:
                request.headers.pop(name, None)
    raise NodeError(f"More than {MAX_REDIRECTS} redirects from {_shown(request.url)}")


async def _read(response: httpx.Response) -> bytes:
    content = bytearray()
    async for chunk in response.aiter_bytes():
        content += chunk
        if len(content) > MAX_RESPONSE_BYTES:
            raise NodeError(f"Response body is larger than {MAX_RESPONSE_BYTES} bytes")
    return bytes(content)


def _decode(response: httpx.Response, content: bytes, fmt: str) -> Any:
    text = content.decode(response.encoding or "utf-8", errors="replace")
    is_json = "json" in response.headers.get("content-type", "")
    if fmt == "text" or (fmt == "auto" and not (is_json and content.strip())):
        return text if content or fmt == "text" else None
    try:
        return json.loads(text)
    except ValueError:
        if fmt == "auto":
            return text
        raise NodeError(f"Response from {_shown(response.url)} is not JSON") from None


def _accepted(response: httpx.Response, follow: bool) -> bool:
    return response.is_success or (response.is_redirect and not follow)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


def _shown(url: httpx.URL | str) -> str:
    """The URL without query or credentials, safe for messages and logs."""
    try:
        url = httpx.URL(url)
        return str(url.copy_with(query=None, fragment=None, username=None, password=None))
    except (httpx.InvalidURL, TypeError):
        return "<invalid URL>"
