"""Fake OpenAI API: ``POST /v1/chat/completions`` (plain and streamed), ``POST /v1/embeddings``,
``GET /v1/models`` and their error bodies.

Follows https://platform.openai.com/docs/api-reference/chat: ``Authorization: Bearer`` is
required, streams are ``data:`` events ending with ``data: [DONE]``, and usage arrives in a
last chunk with empty ``choices`` only when ``stream_options.include_usage`` is set.
Embeddings follow https://platform.openai.com/docs/api-reference/embeddings: ``input`` is a
string or a list of strings, ``dimensions`` shortens the vectors, the reply is a ``list`` of
``embedding`` objects with their ``index`` and ``usage.prompt_tokens``. The vectors are
deterministic bags of hashed words (texts sharing words are close), 1536 floats by default.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import struct
import time
import uuid
from typing import Any

from tests.fakes.server import FakeServer, Recorded, Reply, Response, estimate, split, sse


class FakeOpenAI(FakeServer):
    """Serves ``/v1/chat/completions``; point the SDK at ``base_url`` (``…/v1``)."""

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def scripted(self, recorded: Recorded) -> bool:
        return recorded.path not in ("/v1/embeddings", "/v1/models")

    def respond(self, recorded: Recorded, reply: Reply) -> Response:
        if (recorded.method, recorded.path) == ("GET", "/v1/models"):
            return _models(recorded)
        if recorded.path == "/v1/embeddings" and recorded.method == "POST":
            return _embeddings(recorded)
        problem = _invalid(recorded)
        if problem is not None:
            return problem
        if reply.status != 200:
            return _error(reply.status, reply.error_type, "scripted failure", reply.headers)
        body = recorded.body
        usage = _usage(body, reply)
        if body.get("stream"):
            include = (body.get("stream_options") or {}).get("include_usage")
            return Response(200, events=_stream(body["model"], reply, usage if include else None))
        return Response(200, _completion(body["model"], reply, usage), headers=reply.headers)


#: What ``GET /v1/models`` lists (https://platform.openai.com/docs/api-reference/models/list).
MODELS = ("gpt-4o-mini", "gpt-4o")


def _models(recorded: Recorded) -> Response:
    if not recorded.headers.get("authorization", "").startswith("Bearer "):
        return _error(401, "invalid_request_error", "You didn't provide an API key.")
    data = [
        {"id": m, "object": "model", "created": 1700000000, "owned_by": "openai"} for m in MODELS
    ]
    return Response(200, {"object": "list", "data": data})


def _invalid(recorded: Recorded) -> Response | None:
    if recorded.path != "/v1/chat/completions" or recorded.method != "POST":
        return _error(404, "invalid_request_error", f"Unknown path {recorded.path}")
    if not recorded.headers.get("authorization", "").startswith("Bearer "):
        return _error(401, "invalid_request_error", "You didn't provide an API key.")
    body = recorded.body or {}
    for name in ("model", "messages"):
        if not body.get(name):
            return _error(400, "invalid_request_error", f"Missing required parameter: '{name}'.")
    return None


def _error(status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
    return Response(status, body, headers=headers or {})


def _usage(body: dict[str, Any], reply: Reply) -> dict[str, int]:
    prompt, completion = reply.usage or (
        estimate(json.dumps(body["messages"])),
        estimate(reply.text + json.dumps([t.arguments for t in reply.tool_calls])),
    )
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _calls(reply: Reply) -> list[dict[str, Any]]:
    return [
        {
            "id": t.id or f"call_{uuid.uuid4().hex[:24]}",
            "type": "function",
            "function": {"name": t.name, "arguments": json.dumps(t.arguments)},
        }
        for t in reply.tool_calls
    ]


def _finish(reply: Reply) -> str:
    return reply.finish or ("tool_calls" if reply.tool_calls else "stop")


def _envelope(model: str, kind: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": kind,
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_fake",
    }


def _completion(model: str, reply: Reply, usage: dict[str, int]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None, "refusal": None}
    if reply.tool_calls:
        message["tool_calls"] = _calls(reply)
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": _finish(reply)}
    return {**_envelope(model, "chat.completion"), "choices": [choice], "usage": usage}


def _stream(model: str, reply: Reply, usage: dict[str, int] | None) -> list[bytes]:
    head = _envelope(model, "chat.completion.chunk")

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return sse({**head, "choices": [choice]})

    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": piece}) for piece in split(reply.text) if reply.text]
    for index, call in enumerate(_calls(reply)):
        start = {
            **call,
            "index": index,
            "function": {"name": call["function"]["name"], "arguments": ""},
        }
        events.append(chunk({"tool_calls": [start]}))
        for piece in split(call["function"]["arguments"]):
            events.append(
                chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
            )
    events.append(chunk({}, _finish(reply)))
    if usage is not None and reply.stream_usage:
        events.append(sse({**head, "choices": [], "usage": usage}))
    return [*events, sse("[DONE]")]


#: Vector size of the fake embedding models unless a request asks for ``dimensions``.
EMBEDDING_DIMENSIONS = 1536


def embed_text(text: str, dimensions: int = EMBEDDING_DIMENSIONS) -> list[float]:
    """The fake's vector of ``text``: each word adds 1 at a place its hash picks, normalised."""
    vector = [0.0] * dimensions
    for word in re.findall(r"\w+", text.lower()):
        digest = hashlib.sha256(word.encode()).digest()
        vector[int.from_bytes(digest[:4], "big") % dimensions] += 1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


def _embeddings(recorded: Recorded) -> Response:
    if not recorded.headers.get("authorization", "").startswith("Bearer "):
        return _error(401, "invalid_request_error", "You didn't provide an API key.")
    body = recorded.body or {}
    texts = body.get("input")
    if isinstance(texts, str):
        texts = [texts]
    if not body.get("model") or not isinstance(texts, list) or not texts:
        return _error(400, "invalid_request_error", "'input' and 'model' are required.")
    if any(not isinstance(t, str) or not t for t in texts):
        return _error(400, "invalid_request_error", "'input' must not contain empty strings.")
    dimensions = int(body.get("dimensions") or EMBEDDING_DIMENSIONS)
    data = []
    for index, text in enumerate(texts):
        vector = embed_text(text, dimensions)
        encoded: Any = vector
        if body.get("encoding_format") == "base64":
            encoded = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    tokens = sum(estimate(t) for t in texts)
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return Response(200, {"object": "list", "data": data, "model": body["model"], "usage": usage})
