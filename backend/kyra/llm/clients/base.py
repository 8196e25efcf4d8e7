"""The client contract every provider implements, and a stream accumulator they share."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import ClassVar, Protocol, runtime_checkable

from kyra.context.llm import (
    ChatChunk,
    ChatMessage,
    ChatRequest,
    ChatResponse,
    FinishReason,
    FunctionCall,
    ToolCall,
    Usage,
)
from kyra.llm.pricing import estimate_prompt_tokens, estimate_tokens


@dataclass(frozen=True)
class ClientConfig:
    """How to reach one provider endpoint.

    Args:
        api_key: the provider key (OpenAI-compatible servers often accept any string).
        base_url: endpoint root; None means the provider's public API.
        max_retries: attempts after the first on 408/409/429/5xx and network errors; the SDKs
            back off exponentially and honour ``retry-after`` / ``retry-after-ms``.
        timeout_s: per-attempt timeout.
    """

    api_key: str
    base_url: str | None = None
    max_retries: int = 2
    timeout_s: float = 120.0


@runtime_checkable
class LLMClient(Protocol):
    """A chat client for one provider kind; registered with ``@LLMClientFactory.register``."""

    #: Provider kinds (``llm_providers.provider_key``) this client serves.
    provider_keys: ClassVar[tuple[str, ...]]

    def __init__(self, config: ClientConfig) -> None: ...

    @staticmethod
    def can_handle_model(model: str) -> bool:
        """True when this client knows how to call ``model`` by its key."""

    async def chat(self, request: ChatRequest) -> ChatResponse:
        """Send one request and return the whole reply (``request.model`` is a concrete key)."""

    def stream(self, request: ChatRequest) -> AsyncIterator[ChatChunk]:
        """Send one request and yield reply fragments; the last one carries finish and usage."""

    async def aclose(self) -> None:
        """Release the HTTP connections."""


class StreamAccumulator:
    """Folds :class:`ChatChunk` fragments into one :class:`ChatResponse`.

    When the provider never reported usage, tokens are estimated locally from the prompt and the
    text received, and the usage is flagged ``estimated``.
    """

    def __init__(self, request: ChatRequest) -> None:
        self._request = request
        self._text: list[str] = []
        self._calls: dict[int, dict[str, str]] = {}
        self.usage: Usage | None = None
        self.finish_reason: FinishReason | None = None
        self.model = request.model
        self.id = ""

    def add(self, chunk: ChatChunk) -> None:
        self._text.append(chunk.content)
        for delta in chunk.tool_calls:
            call = self._calls.setdefault(delta.index, {"id": "", "name": "", "arguments": ""})
            call["id"] = delta.id or call["id"]
            call["name"] = delta.name or call["name"]
            call["arguments"] += delta.arguments
        self.usage = chunk.usage or self.usage
        self.finish_reason = chunk.finish_reason or self.finish_reason
        self.model = chunk.model or self.model
        self.id = chunk.id or self.id

    def response(self, provider: str) -> ChatResponse:
        text = "".join(self._text)
        calls = [
            ToolCall(id=c["id"], function=FunctionCall(name=c["name"], arguments=c["arguments"]))
            for _, c in sorted(self._calls.items())
        ]
        return ChatResponse(
            id=self.id,
            model=self.model,
            message=ChatMessage(role="assistant", content=text or None, tool_calls=calls or None),
            finish_reason=self.finish_reason or "stop",
            usage=self.usage or self._estimated_usage(text, calls),
            provider=provider,
        )

    def _estimated_usage(self, text: str, calls: list[ToolCall]) -> Usage:
        prompt = estimate_prompt_tokens(self._request.messages, self._request.tools)
        arguments = "".join(c.function.name + c.function.arguments for c in calls)
        return Usage.of(prompt, estimate_tokens(text + arguments), estimated=True)
