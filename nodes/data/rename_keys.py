"""Rename (or move) keys of every item, including keys inside nested objects."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port, PortType
from kyra_nodes.shared.items import (
    MISSING,
    items_from,
    pick,
    require_object,
    with_path,
    without_path,
)


class Rename(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_: str = Field(alias="from", min_length=1, description="Current dotted path: user.mail")
    to: str = Field(min_length=1, description="New dotted path, e.g. email or contact.email")


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: Any = Field(None, description="List of objects; defaults to the incoming list")
    renames: list[Rename] = Field(default_factory=list, description="Applied in order")


SPEC = NodeSpec(
    type="Data.rename_keys",
    title="Rename keys",
    category="Data",
    icon="rename",
    description=(
        "Rename keys in every item of a list; dotted paths reach into nested objects and may "
        "move a value to another place. Items without the key are left as they are."
    ),
    params=Params,
    inputs=[Port("in", PortType.list, description="Items")],
    outputs=[Port("out", PortType.list, description="Items with renamed keys")],
    pure=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    out = []
    for index, raw in enumerate(items_from(pick(params.items, inputs))):
        item = require_object(raw, index)
        for rename in params.renames:
            rest, value = without_path(item, rename.from_)
            if value is not MISSING:
                item = with_path(rest, rename.to, value)
        out.append(item)
    return {"out": out}
