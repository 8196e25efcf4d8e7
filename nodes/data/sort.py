"""Sort items by one or more fields, each ascending or descending, with nulls last."""

from __future__ import annotations

from functools import partial
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port, PortType
from kyra_nodes.shared.items import MISSING, get_path, items_from, pick
from kyra_nodes.shared.values import ValueType, coerce, sort_key


class SortKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str = Field(description="Dotted path in the item; empty sorts by the item itself")
    order: Literal["asc", "desc"] = "asc"
    type: ValueType = Field(
        "auto",
        description="Read values as this type; auto orders numbers before text. Values that "
        "are missing, null or not of the type sort last.",
    )
    case_sensitive: bool = Field(True, description="For text values")


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: Any = Field(None, description="List to sort; defaults to the incoming list")
    keys: list[SortKey] = Field(
        default_factory=list, description="Sort keys, most significant first"
    )


SPEC = NodeSpec(
    type="Data.sort",
    title="Sort items",
    category="Data",
    description=(
        "Sort the items of a list by one or more fields (ascending or descending, as text, "
        "numbers or dates); missing and null values go last. The sort is stable."
    ),
    params=Params,
    inputs=[Port("in", PortType.list, description="Items")],
    outputs=[Port("out", PortType.list, description="Sorted items")],
    pure=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    items = list(items_from(pick(params.items, inputs)))
    # Stable sorts from the least significant key to the most significant one.
    for key in reversed(params.keys or [SortKey(field="")]):
        items.sort(key=partial(_key, key=key), reverse=key.order == "desc")
    return {"out": items}


def _key(item: Any, *, key: SortKey) -> tuple[bool, tuple[int, Any]]:
    descending = key.order == "desc"
    raw = get_path(item, key.field)
    value = None if raw is MISSING else raw if key.type == "auto" else coerce(raw, key.type)
    if isinstance(value, str) and not key.case_sensitive:
        value = value.casefold()
    absent = value is None
    # reverse=True flips the whole key, so nulls must sort first there to end up last.
    return (absent != descending, (0, 0) if absent else sort_key(value))
