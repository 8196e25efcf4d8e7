"""Route the incoming value to the first (or every) case whose condition holds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port
from kyra_nodes.core.if_ import truthy


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$", description="Output port name")
    when: Any = Field(
        description="Template such as {{ trigger.body.kind == 'refund' }}",
        json_schema_extra={"x-widget": "condition"},
    )


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cases: list[Case] = Field(min_length=1, max_length=50)
    mode: Literal["first", "all"] = "first"


def _ports(params: Mapping[str, Any]) -> list[Port]:
    names = [c.get("name") for c in params.get("cases", []) if isinstance(c, dict)]
    return [Port(n) for n in names if isinstance(n, str) and n != "default"] + [Port("default")]


SPEC = NodeSpec(
    type="Core.switch",
    title="Switch",
    category="Flow",
    icon="switch",
    description="Send the incoming value to the matching case's branch, or to default.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("default")],
    dynamic_outputs=_ports,
    pure=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    value = inputs.get("in")
    matched = [case.name for case in params.cases if truthy(case.when)]
    if params.mode == "first":
        matched = matched[:1]
    return {name: value for name in matched} or {"default": value}
