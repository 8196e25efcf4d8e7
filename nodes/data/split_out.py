"""Turn each element of a list field into an item of its own."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port, PortType
from kyra_nodes.shared.items import (
    MISSING,
    get_path,
    items_from,
    pick,
    require_object,
    split_path,
    with_path,
    without_path,
)


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: Any = Field(None, description="List of objects; defaults to the incoming list")
    field: str = Field(description="Dotted path of the list to split out, e.g. order.lines")
    destination: str = Field(
        "",
        description="Key for the element in each new item; empty uses the field's last name. "
        "Use '*' to merge object elements into the item.",
    )
    include: Literal["none", "all", "selected"] = Field(
        "none", description="Other fields of the item to copy into each new item"
    )
    fields: list[str] = Field(default_factory=list, description="Fields copied for 'selected'")
    keep_empty: bool = Field(
        False, description="Keep an item whose list is empty or missing (element null)"
    )


SPEC = NodeSpec(
    type="Data.split_out",
    title="Split out items",
    category="Data",
    icon="split",
    description=(
        "Output one item per element of a list field of each item (e.g. one per order line), "
        "optionally copying other fields of the original item into each new item. A field "
        "that holds a single value gives one item."
    ),
    params=Params,
    inputs=[Port("in", PortType.list, description="Items")],
    outputs=[Port("out", PortType.list, description="One item per element")],
    pure=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    destination = params.destination or (split_path(params.field) or [params.field])[-1]
    out: list[dict[str, Any]] = []
    for index, raw in enumerate(items_from(pick(params.items, inputs))):
        item = require_object(raw, index)
        value = get_path(item, params.field)
        elements = value if isinstance(value, list) else [] if value in (MISSING, None) else [value]
        if not elements and params.keep_empty:
            elements = [None]
        base = _base(item, params)
        for element in elements:
            if destination == "*" and isinstance(element, dict):
                out.append({**base, **element})
            else:
                out.append(with_path(base, destination.strip("*") or "value", element))
    return {"out": out}


def _base(item: dict[str, Any], params: Params) -> dict[str, Any]:
    if params.include == "all":
        return without_path(item, params.field)[0]
    base: dict[str, Any] = {}
    if params.include == "selected":
        for path in params.fields:
            value = get_path(item, path)
            if value is not MISSING:
                base = with_path(base, path, value)
    return base
