"""OpenAI chat completions through the official SDK; also any OpenAI-compatible server."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import openai

from kyra.llm.clients.base import ClientConfig
from kyra.llm.errors import ProviderError
from kyra.llm.factory import LLMClientFactory
from kyra.llm.types import (
    ChatChunk,
    ChatMessage,
    ChatRequest,
    ChatResponse,
    EmbeddingResponse,
    FunctionCall,
    ToolCall,
    ToolCallDelta,
    Usage,
)

_OPENAI_MODEL = re.compile(r"^(gpt-|chatgpt-|o\d|ft:gpt-)")
#: Reasoning models take no temperature.
_REASONING_MODEL = re.compile(r"^(o\d|gpt-5)")


@LLMClientFactory.register
class OpenAIClient:
    """Calls ``POST {base_url}/chat/completions`` (default ``https://api.openai.com/v1``)."""

    provider_keys: ClassVar[tuple[str, ...]] = ("openai",)
    #: OpenAI's own API names the output cap ``max_completion_tokens``.
    max_tokens_field: ClassVar[str] = "max_completion_tokens"

    def __init__(self, config: ClientConfig) -> None:
        self._sdk = openai.AsyncOpenAI(
            api_key=config.api_key or "not-needed",
            base_url=config.base_url or None,
            max_retries=config.max_retries,
            timeout=config.timeout_s,
        )

    @staticmethod
    def can_handle_model(model: str) -> bool:
        return bool(_OPENAI_MODEL.match(model))

    async def chat(self, request: ChatRequest) -> ChatResponse:
        try:
            completion = await self._sdk.chat.completions.create(**self._payload(request))
        except openai.OpenAIError as exc:
            raise _provider_error(exc) from exc
        return _response(completion.model_dump())

    async def stream(self, request: ChatRequest) -> AsyncIterator[ChatChunk]:
        payload = self._payload(request) | {
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        try:
            events = await self._sdk.chat.completions.create(**payload)
            async for event in events:
                yield _chunk(event.model_dump())
        except openai.OpenAIError as exc:
            raise _provider_error(exc) from exc

    async def embed(
        self, model: str, texts: list[str], *, dimensions: int | None = None
    ) -> EmbeddingResponse:
        """``POST {base_url}/embeddings``: one vector per text, in order."""
        options: dict[str, Any] = {"dimensions": dimensions} if dimensions else {}
        try:
            result = await self._sdk.embeddings.create(
                model=model, input=texts, encoding_format="float", **options
            )
        except openai.OpenAIError as exc:
            raise _provider_error(exc) from exc
        vectors = [item.embedding for item in sorted(result.data, key=lambda d: d.index)]
        tokens = result.usage.prompt_tokens if result.usage else 0
        return EmbeddingResponse(
            model=result.model, vectors=vectors, usage=Usage.of(tokens, 0), provider="openai"
        )

    async def aclose(self) -> None:
        await self._sdk.close()

    def _payload(self, request: ChatRequest) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": request.model,
            "messages": [m.model_dump(exclude_none=True) for m in request.messages],
        }
        if request.temperature is not None and not _REASONING_MODEL.match(request.model):
            payload["temperature"] = request.temperature
        if request.max_tokens is not None:
            payload[self.max_tokens_field] = request.max_tokens
        optional = {
            "tools": request.tools,
            "tool_choice": request.tool_choice,
            "response_format": _response_format(request.response_format),
            "stop": request.stop,
        }
        payload.update({k: v for k, v in optional.items() if v})
        return payload


@LLMClientFactory.register
class OpenAICompatibleClient(OpenAIClient):
    """An OpenAI-compatible server (Ollama, vLLM, LM Studio …) reached by its base URL."""

    provider_keys: ClassVar[tuple[str, ...]] = ("openai_compatible",)
    max_tokens_field: ClassVar[str] = "max_tokens"

    @staticmethod
    def can_handle_model(model: str) -> bool:
        # Any key may live on such a server, so it is chosen by provider, never by model name.
        return False


def _response_format(fmt: dict[str, Any] | None) -> dict[str, Any] | None:
    if not fmt or fmt.get("type") != "json_schema":
        return fmt
    spec = {"name": "output", **fmt.get("json_schema", {})}
    return {"type": "json_schema", "json_schema": spec}


def _response(body: dict[str, Any]) -> ChatResponse:
    choice = body["choices"][0]
    message = choice["message"]
    calls = [
        ToolCall(id=c["id"], function=FunctionCall(**c["function"]))
        for c in message.get("tool_calls") or []
    ]
    usage = body.get("usage") or {}
    return ChatResponse(
        id=body.get("id", ""),
        model=body.get("model", ""),
        message=ChatMessage(
            role="assistant", content=message.get("content"), tool_calls=calls or None
        ),
        finish_reason=choice.get("finish_reason") or "stop",
        usage=Usage.of(usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)),
        provider="openai",
    )


def _chunk(body: dict[str, Any]) -> ChatChunk:
    usage = body.get("usage")
    chunk = ChatChunk(
        id=body.get("id"),
        model=body.get("model"),
        usage=Usage.of(usage["prompt_tokens"], usage["completion_tokens"]) if usage else None,
    )
    for choice in body.get("choices") or []:
        delta = choice.get("delta") or {}
        chunk.content += delta.get("content") or ""
        chunk.finish_reason = choice.get("finish_reason") or chunk.finish_reason
        for call in delta.get("tool_calls") or []:
            fn = call.get("function") or {}
            chunk.tool_calls.append(
                ToolCallDelta(
                    index=call.get("index", 0),
                    id=call.get("id"),
                    name=fn.get("name"),
                    arguments=fn.get("arguments") or "",
                )
            )
    return chunk


def _provider_error(exc: openai.OpenAIError) -> ProviderError:
    status = getattr(exc, "status_code", None)
    return ProviderError(f"OpenAI call failed: {exc}", status=status, provider="openai")
