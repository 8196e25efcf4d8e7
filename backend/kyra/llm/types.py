"""Provider-neutral chat types in the OpenAI chat-completions shape.

Every client accepts a :class:`ChatRequest` and returns a :class:`ChatResponse`; the Anthropic
client converts at its edge, so callers (nodes, agents) see one format only.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

Role = Literal["system", "user", "assistant", "tool"]


class FunctionCall(BaseModel):
    """The function a model wants called; ``arguments`` is a JSON string, as OpenAI sends it."""

    name: str
    arguments: str = "{}"

    def parsed_arguments(self) -> Any:
        """``arguments`` decoded (an empty dict when blank)."""
        return json.loads(self.arguments) if self.arguments.strip() else {}


class ToolCall(BaseModel):
    """One tool call requested by the assistant."""

    id: str
    type: Literal["function"] = "function"
    function: FunctionCall


class ChatMessage(BaseModel):
    """A message: text or OpenAI content parts, assistant tool calls, or a tool result."""

    role: Role
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None

    @property
    def text(self) -> str:
        """The text of the message, joining text parts when the content is a list."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "".join(p.get("text", "") for p in self.content if p.get("type") == "text")


class ChatRequest(BaseModel):
    """One chat call. ``model`` is a catalogue key or ``"auto"``.

    ``tools`` are OpenAI function tool definitions (``{"type": "function", "function": {...}}``);
    ``response_format`` is ``{"type": "json_object"}`` or
    ``{"type": "json_schema", "json_schema": {"name": ..., "schema": {...}}}``.
    """

    model: str = "auto"
    messages: list[ChatMessage]
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, gt=0)
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    response_format: dict[str, Any] | None = None
    stop: list[str] | None = None
    #: Name of a registered provider to use when several serve the same model key.
    provider: str | None = None

    @property
    def json_schema(self) -> dict[str, Any] | None:
        """The JSON Schema asked for by ``response_format``, if any."""
        fmt = self.response_format or {}
        if fmt.get("type") != "json_schema":
            return None
        schema: dict[str, Any] = fmt.get("json_schema", {}).get("schema", {})
        return schema

    @property
    def wants_json(self) -> bool:
        return (self.response_format or {}).get("type") in ("json_object", "json_schema")


class Usage(BaseModel):
    """Token counts of one call; ``estimated`` when counted locally instead of reported."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    estimated: bool = False

    @classmethod
    def of(cls, prompt: int, completion: int, *, estimated: bool = False) -> Usage:
        return cls(
            prompt_tokens=prompt,
            completion_tokens=completion,
            total_tokens=prompt + completion,
            estimated=estimated,
        )


class EmbeddingResponse(BaseModel):
    """Vectors for the texts of one embeddings call, in input order, and what they cost."""

    model: str
    vectors: list[list[float]]
    usage: Usage = Field(default_factory=Usage)
    cost_usd: Decimal | None = None
    latency_ms: float | None = None
    provider: str | None = None


FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "error"]


class ChatResponse(BaseModel):
    """The assistant's reply plus what it cost; ``cost_usd`` is set by the ledger."""

    id: str = ""
    model: str
    message: ChatMessage
    finish_reason: FinishReason | None = "stop"
    usage: Usage = Field(default_factory=Usage)
    provider: str = ""
    cost_usd: Decimal | None = None
    latency_ms: float | None = None
    #: Why this model was used when the request said ``auto``.
    selection: str | None = None

    @property
    def text(self) -> str:
        return self.message.text

    def json_output(self) -> Any:
        """The reply parsed as JSON (fenced code blocks tolerated); None when it is not JSON."""
        text = self.text.strip()
        if text.startswith("```"):
            text = text.strip("`")
            text = text[text.find("\n") + 1 :] if "\n" in text else text
        try:
            return json.loads(text)
        except ValueError:
            return None


class ToolCallDelta(BaseModel):
    """A fragment of a streamed tool call; fragments with the same index concatenate."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


class ChatChunk(BaseModel):
    """One streamed fragment: text, tool-call pieces, and on the last chunk finish and usage."""

    content: str = ""
    tool_calls: list[ToolCallDelta] = Field(default_factory=list)
    finish_reason: FinishReason | None = None
    usage: Usage | None = None
    model: str | None = None
    id: str | None = None
