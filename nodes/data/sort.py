"""Sort items by one or more fields, each ascending or descending, with nulls last."""

from __future__ import annotations

from collections.abc import Callable
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
    icon="sort",
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
        items.sort(key=_key_function(key), reverse=key.order == "desc")
    return {"out": items}


def _key_function(key: SortKey) -> Callable[[Any], tuple[bool, tuple[int, Any]]]:
    field, kind, fold = key.field, key.type, not key.case_sensitive
    # reverse=True flips the whole key, so nulls must sort first there to end up last.
    null = (key.order == "asc", (0, 0))

    def sort_by(item: Any) -> tuple[bool, tuple[int, Any]]:
        value = get_path(item, field)
        if value is MISSING or value is None:
            return null
        if kind != "auto":
            value = coerce(value, kind)
            if value is None:
                return null
        if fold and isinstance(value, str):
            value = value.casefold()
        return (not null[0], sort_key(value))

    return sort_by
