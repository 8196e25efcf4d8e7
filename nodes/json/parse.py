"""Parse JSON text (an HTTP body read as text, an LLM answer) into data."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.errors import NodeError
from kyra.spec import NodeSpec, Port, PortType


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, description="JSON text; defaults to the incoming text")


SPEC = NodeSpec(
    type="JSON.parse",
    title="Parse JSON",
    category="Data",
    icon="braces",
    description="Parse JSON text into an object, list or value.",
    params=Params,
    inputs=[Port("in", PortType.text, description="JSON text")],
    outputs=[Port("out", PortType.json)],
    pure=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    text = params.text if params.text is not None else inputs.get("in")
    if not isinstance(text, str):
        raise NodeError(f"expected JSON text, got {type(text).__name__}")
    try:
        return {"out": json.loads(text)}
    except json.JSONDecodeError as exc:
        raise NodeError(
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
