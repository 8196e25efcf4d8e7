"""Anthropic Messages API through the official SDK, speaking the OpenAI shapes at its edge.

Structured output uses a forced tool (``json_output``) whose input schema is the requested JSON
Schema, which every Claude model supports; its input comes back as the reply text.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, ClassVar

import anthropic

from kyra.context.llm import ChatChunk, ChatMessage, ChatRequest, ChatResponse, ToolCallDelta, Usage
from kyra.llm import convert
from kyra.llm.clients.base import ClientConfig
from kyra.llm.errors import ProviderError
from kyra.llm.factory import LLMClientFactory

#: Name of the forced tool that carries structured output.
JSON_TOOL = "json_output"
#: Output cap sent when the request names none (the API requires one).
DEFAULT_MAX_TOKENS = 4096
_JSON_INSTRUCTION = "Respond with a single JSON object and nothing else."


@LLMClientFactory.register
class AnthropicClient:
    """Calls ``POST {base_url}/v1/messages`` (default ``https://api.anthropic.com``)."""

    provider_keys: ClassVar[tuple[str, ...]] = ("anthropic",)

    def __init__(self, config: ClientConfig) -> None:
        self._sdk = anthropic.AsyncAnthropic(
            api_key=config.api_key,
            base_url=config.base_url or None,
            max_retries=config.max_retries,
            timeout=config.timeout_s,
        )

    @staticmethod
    def can_handle_model(model: str) -> bool:
        return model.startswith("claude-")

    async def chat(self, request: ChatRequest) -> ChatResponse:
        try:
            message = await self._sdk.messages.create(**payload(request))
        except anthropic.AnthropicError as exc:
            raise _provider_error(exc) from exc
        return _unwrap_json_tool(convert.response_from_anthropic(message.model_dump()))

    async def stream(self, request: ChatRequest) -> AsyncIterator[ChatChunk]:
        state = _StreamState()
        try:
            events = await self._sdk.messages.create(**payload(request), stream=True)
            async for event in events:
                chunk = state.chunk(event.model_dump())
                if chunk is not None:
                    yield chunk
        except anthropic.AnthropicError as exc:
            raise _provider_error(exc) from exc

    async def aclose(self) -> None:
        await self._sdk.close()


def payload(request: ChatRequest) -> dict[str, Any]:
    """The ``messages.create`` keyword arguments for an OpenAI-shaped request."""
    system, turns = convert.messages_to_anthropic(request.messages)
    body: dict[str, Any] = {
        "model": request.model,
        "messages": turns,
        "max_tokens": request.max_tokens or DEFAULT_MAX_TOKENS,
    }
    tools = convert.tools_to_anthropic(request.tools or [])
    schema = request.json_schema
    if schema is not None and not tools:
        tools = [{"name": JSON_TOOL, "description": "Return the answer.", "input_schema": schema}]
        body["tool_choice"] = {"type": "tool", "name": JSON_TOOL}
    elif request.wants_json:
        system = f"{system}\n\n{_JSON_INSTRUCTION}" if system else _JSON_INSTRUCTION
    if request.tool_choice and "tool_choice" not in body and tools:
        body["tool_choice"] = convert.tool_choice_to_anthropic(request.tool_choice)
    optional = {"system": system, "tools": tools, "stop_sequences": request.stop}
    body.update({k: v for k, v in optional.items() if v is not None and v != []})
    if request.temperature is not None:
        # This SDK generation no longer names `temperature`; the Messages API still takes it.
        body["extra_body"] = {"temperature": request.temperature}
    return body


def _unwrap_json_tool(response: ChatResponse) -> ChatResponse:
    calls = response.message.tool_calls or []
    if len(calls) != 1 or calls[0].function.name != JSON_TOOL:
        return response
    message = ChatMessage(role="assistant", content=calls[0].function.arguments)
    return response.model_copy(update={"message": message, "finish_reason": "stop"})


class _StreamState:
    """Turns Anthropic stream events into chunks, numbering tool calls from zero."""

    def __init__(self) -> None:
        self.input_tokens: int | None = None
        self.tool_index: dict[int, int] = {}
        self.json_blocks: set[int] = set()
        self.id: str | None = None
        self.model: str | None = None

    def chunk(self, event: dict[str, Any]) -> ChatChunk | None:
        kind = event["type"]
        if kind == "message_start":
            message = event["message"]
            self.id, self.model = message.get("id"), message.get("model")
            self.input_tokens = (message.get("usage") or {}).get("input_tokens")
            return ChatChunk(id=self.id, model=self.model)
        if kind == "content_block_start":
            return self._block_start(event["index"], event["content_block"])
        if kind == "content_block_delta":
            return self._block_delta(event["index"], event["delta"])
        if kind == "message_delta":
            return self._finish(event)
        return None

    def _block_start(self, index: int, block: dict[str, Any]) -> ChatChunk | None:
        if block["type"] != "tool_use":
            return ChatChunk(content=block.get("text", ""))
        if block["name"] == JSON_TOOL:
            self.json_blocks.add(index)
            return None
        position = self.tool_index.setdefault(index, len(self.tool_index))
        return ChatChunk(
            tool_calls=[ToolCallDelta(index=position, id=block["id"], name=block["name"])]
        )

    def _block_delta(self, index: int, delta: dict[str, Any]) -> ChatChunk | None:
        if delta["type"] == "text_delta":
            return ChatChunk(content=delta["text"])
        if delta["type"] != "input_json_delta":
            return None
        if index in self.json_blocks:
            return ChatChunk(content=delta["partial_json"])
        call = ToolCallDelta(index=self.tool_index[index], arguments=delta["partial_json"])
        return ChatChunk(tool_calls=[call])

    def _finish(self, event: dict[str, Any]) -> ChatChunk:
        stop = (event.get("delta") or {}).get("stop_reason") or "end_turn"
        finish = convert.STOP_TO_FINISH.get(stop, "stop")
        if self.json_blocks and finish == "tool_calls":
            finish = "stop"
        output = (event.get("usage") or {}).get("output_tokens")
        usage = None
        if self.input_tokens is not None and output is not None:
            usage = Usage.of(self.input_tokens, output)
        return ChatChunk(finish_reason=finish, usage=usage)


def _provider_error(exc: anthropic.AnthropicError) -> ProviderError:
    status = getattr(exc, "status_code", None)
    return ProviderError(f"Anthropic call failed: {exc}", status=status, provider="anthropic")
