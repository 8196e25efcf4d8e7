"""Greet someone by name, in one of a few languages."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.errors import NodeError
from kyra.spec import NodeSpec, Port

_GREETINGS = {"en": "Hello", "fr": "Bonjour", "es": "Hola"}


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="Who to greet; templates allowed")
    language: Literal["en", "fr", "es"] = Field("en", description="Language of the greeting")


SPEC = NodeSpec(
    type="Greetings.hello",
    title="Say hello",
    category="Greetings",
    description="Greet someone by name in English, French or Spanish.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out")],
    pure=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    if params.name.strip().lower() == "nobody":
        raise NodeError("there is nobody to greet")
    return {"out": {"text": f"{_GREETINGS[params.language]}, {params.name}!"}}
