"""One model call: a prompt and optional system prompt to a named model or ``auto``."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import ChatMessage, ChatRequest, ChatResponse, NodeContext
from kyra.errors import NodeError
from kyra.spec import NodeSpec, Port, PortType


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(
        "", description="User message; templates allowed. Empty sends the incoming value instead"
    )
    system: str = Field("", description="System prompt; templates allowed")
    model: str = Field(
        "auto",
        description="Catalogue model key, or auto to let Kyra choose",
        json_schema_extra={"x-widget": "llm-model"},
    )
    provider: str | None = Field(
        None,
        description="Provider name when several serve the model",
        json_schema_extra={"x-widget": "llm-provider"},
    )
    temperature: float | None = Field(None, ge=0, le=2, description="Sampling temperature")
    max_tokens: int = Field(
        1024, gt=0, le=200_000, description="Output cap; the budget reserves this much"
    )
    json_schema: dict[str, Any] | None = Field(
        None, description="JSON Schema the reply must follow; the parsed reply is output as json"
    )


SPEC = NodeSpec(
    type="AI.chat",
    title="Chat model",
    category="AI",
    icon="chat",
    description=(
        "Send a prompt to a language model and output its reply, token usage and cost; the "
        "call is billed to the run and refused when it would exceed the run's budget."
    ),
    params=Params,
    inputs=[Port("in", description="Used as the prompt when the prompt is empty")],
    outputs=[Port("out", PortType.object, description="{text, json, model, usage, cost_usd}")],
    timeout_s=300,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    response = await ctx.llm.chat(_request(params, inputs.get("in")))
    parsed = response.json_output() if params.json_schema is not None else None
    if params.json_schema is not None and parsed is None:
        raise NodeError("the model did not return valid JSON", details={"text": response.text})
    return {"out": _output(response, parsed)}


def _request(params: Params, incoming: Any) -> ChatRequest:
    prompt = params.prompt or _as_text(incoming)
    if not prompt:
        raise NodeError("nothing to send: the prompt is empty and no input arrived")
    messages = [ChatMessage(role="user", content=prompt)]
    if params.system:
        messages.insert(0, ChatMessage(role="system", content=params.system))
    response_format = None
    if params.json_schema is not None:
        spec = {"name": "output", "schema": params.json_schema}
        response_format = {"type": "json_schema", "json_schema": spec}
    return ChatRequest(
        model=params.model,
        provider=params.provider,
        messages=messages,
        temperature=params.temperature,
        max_tokens=params.max_tokens,
        response_format=response_format,
    )


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _output(response: ChatResponse, parsed: Any) -> dict[str, Any]:
    usage = response.usage
    return {
        "text": response.text,
        "json": parsed,
        "model": response.model,
        "provider": response.provider,
        "usage": {
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "total_tokens": usage.total_tokens,
            "estimated": usage.estimated,
        },
        "cost_usd": float(response.cost_usd or 0),
        "selection": response.selection,
    }
