"""Sort items by one or more fields, each ascending or descending, with nulls last."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port, PortType
from kyra_nodes.shared.items import MISSING, getter, items_from, pick
from kyra_nodes.shared.values import ValueType, converter, sort_key


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
        items = _sorted(items, key)
    return {"out": items}


def _sorted(items: list[Any], key: SortKey) -> list[Any]:
    get, convert, fold = getter(key.field), converter(key.type), not key.case_sensitive
    present: list[tuple[Any, Any]] = []
    absent: list[Any] = []
    for item in items:
        value = get(item)
        value = None if value is MISSING or value is None else convert(value)
        if fold and isinstance(value, str):
            value = value.casefold()
        if value is None:
            absent.append(item)
        else:
            present.append((value, item))
    kinds = {type(value) for value, _ in present}
    plain = kinds <= {int, float} or (len(kinds) == 1 and kinds <= {str, datetime})
    present.sort(key=_first if plain else _mixed, reverse=key.order == "desc")
    return [item for _, item in present] + absent


def _first(pair: tuple[Any, Any]) -> Any:
    return pair[0]


def _mixed(pair: tuple[Any, Any]) -> tuple[int, Any]:
    return sort_key(pair[0])
