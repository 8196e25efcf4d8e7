"""Route the incoming value to ``true`` or ``false`` by a condition."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port

_FALSY_TEXT = frozenset({"", "0", "false", "no", "off", "none", "null"})


def truthy(value: Any) -> bool:
    """Condition truth as people write it in templates: "false" and "0" are false."""
    if isinstance(value, str):
        return value.strip().lower() not in _FALSY_TEXT
    return bool(value)


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    condition: Any = Field(
        description="Template such as {{ trigger.body.amount > 100 }}",
        json_schema_extra={"x-widget": "condition"},
    )


SPEC = NodeSpec(
    type="Core.if",
    title="If",
    category="Flow",
    icon="branch",
    description="Send the incoming value to the true or the false branch; the other is skipped.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("true"), Port("false")],
    pure=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"true" if truthy(params.condition) else "false": inputs.get("in")}
