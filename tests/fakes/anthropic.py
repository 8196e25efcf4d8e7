"""Fake Anthropic API: ``POST /v1/messages`` (plain and streamed) and its error bodies.

Follows https://docs.anthropic.com/en/api/messages: ``x-api-key`` (or the bearer token newer
SDKs send) and ``anthropic-version`` headers, required ``max_tokens``, content blocks (text,
tool_use), named SSE events (message_start … message_stop) with usage in message_start and
message_delta.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.fakes.server import FakeServer, Recorded, Reply, Response, estimate, split, sse

_STOP = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"}


class FakeAnthropic(FakeServer):
    """Serves ``/v1/messages``; point the SDK at ``base_url`` (the server root)."""

    @property
    def base_url(self) -> str:
        return self.url

    def respond(self, recorded: Recorded, reply: Reply) -> Response:
        problem = _invalid(recorded)
        if problem is not None:
            return problem
        if reply.status != 200:
            return _error(reply.status, reply.error_type, "scripted failure", reply.headers)
        body = recorded.body
        usage = _usage(body, reply)
        message = _message(body["model"], reply, usage)
        if body.get("stream"):
            return Response(200, events=_stream(message, reply))
        return Response(200, message, headers=reply.headers)


def _invalid(recorded: Recorded) -> Response | None:
    if recorded.path != "/v1/messages" or recorded.method != "POST":
        return _error(404, "not_found_error", f"Unknown path {recorded.path}")
    bearer = recorded.headers.get("authorization", "").startswith("Bearer ")
    if not (recorded.headers.get("x-api-key") or bearer):
        return _error(401, "authentication_error", "x-api-key header is required")
    if not recorded.headers.get("anthropic-version"):
        return _error(400, "invalid_request_error", "anthropic-version header is required")
    body = recorded.body or {}
    for name in ("model", "messages", "max_tokens"):
        if name not in body:
            return _error(400, "invalid_request_error", f"{name}: Field required")
    if any(m.get("role") == "system" for m in body["messages"]):
        return _error(400, "invalid_request_error", "messages: roles must be user or assistant")
    return None


def _error(status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {"type": "error", "error": {"type": kind, "message": message}}
    return Response(
        status, body, headers={"request-id": f"req_{uuid.uuid4().hex}", **(headers or {})}
    )


def _usage(body: dict[str, Any], reply: Reply) -> tuple[int, int]:
    return reply.usage or (
        estimate(json.dumps(body["messages"]) + json.dumps(body.get("system", ""))),
        estimate(reply.text + json.dumps([t.arguments for t in reply.tool_calls])),
    )


def _message(model: str, reply: Reply, usage: tuple[int, int]) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": reply.text}] if reply.text else []
    content += [
        {
            "type": "tool_use",
            "id": t.id or f"toolu_{uuid.uuid4().hex[:24]}",
            "name": t.name,
            "input": t.arguments,
        }
        for t in reply.tool_calls
    ]
    finish = reply.finish or ("tool_calls" if reply.tool_calls else "stop")
    return {
        "id": f"msg_{uuid.uuid4().hex[:24]}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": _STOP.get(finish, "end_turn"),
        "stop_sequence": None,
        "usage": {"input_tokens": usage[0], "output_tokens": usage[1]},
    }


def _stream(message: dict[str, Any], reply: Reply) -> list[bytes]:
    start = {**message, "content": [], "stop_reason": None}
    start["usage"] = {"input_tokens": message["usage"]["input_tokens"], "output_tokens": 1}
    events = [sse({"type": "message_start", "message": start}, "message_start")]
    events.append(sse({"type": "ping"}, "ping"))
    for index, block in enumerate(message["content"]):
        events += _block_events(index, block)
    delta = {
        "type": "message_delta",
        "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
        "usage": {"output_tokens": message["usage"]["output_tokens"]},
    }
    events.append(sse(delta, "message_delta"))
    return [*events, sse({"type": "message_stop"}, "message_stop")]


def _block_events(index: int, block: dict[str, Any]) -> list[bytes]:
    if block["type"] == "text":
        opening = {"type": "text", "text": ""}
        deltas = [{"type": "text_delta", "text": piece} for piece in split(block["text"])]
    else:
        opening = {**block, "input": {}}
        deltas = [
            {"type": "input_json_delta", "partial_json": piece}
            for piece in split(json.dumps(block["input"]))
        ]
    events = [
        sse(
            {"type": "content_block_start", "index": index, "content_block": opening},
            "content_block_start",
        )
    ]
    events += [
        sse({"type": "content_block_delta", "index": index, "delta": d}, "content_block_delta")
        for d in deltas
    ]
    return [*events, sse({"type": "content_block_stop", "index": index}, "content_block_stop")]
