"""Drop repeated items, comparing chosen fields or whole items."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port, PortType
from kyra_nodes.shared.items import MISSING, get_path, items_from, pick


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: Any = Field(None, description="List to clean; defaults to the incoming list")
    fields: list[str] = Field(
        default_factory=list,
        description="Dotted paths that identify an item; empty compares whole items",
    )
    keep: Literal["first", "last"] = Field(
        "first", description="Which of the repeated items to keep (order is kept)"
    )


SPEC = NodeSpec(
    type="Data.deduplicate",
    title="Remove duplicates",
    category="Data",
    icon="dedupe",
    description=(
        "Remove items that repeat an earlier item, comparing the given fields (or the whole "
        "item); output the remaining items in order and the removed ones on `duplicates`."
    ),
    params=Params,
    inputs=[Port("in", PortType.list, description="Items")],
    outputs=[
        Port("out", PortType.list, description="Unique items"),
        Port("duplicates", PortType.list, description="Removed items"),
    ],
    pure=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    items = items_from(pick(params.items, inputs))
    order = range(len(items)) if params.keep == "first" else range(len(items) - 1, -1, -1)
    seen: set[str] = set()
    unique: set[int] = set()
    for index in order:
        key = _identity(items[index], params.fields)
        if key not in seen:
            seen.add(key)
            unique.add(index)
    return {
        "out": [item for i, item in enumerate(items) if i in unique],
        "duplicates": [item for i, item in enumerate(items) if i not in unique],
    }


def _identity(item: Any, fields: list[str]) -> str:
    values = [get_path(item, f) for f in fields] if fields else [item]
    # Missing and null are the same identity; 1 and 1.0 are too (JSON does not tell them apart).
    plain = [None if v is MISSING else _canonical(v) for v in values]
    return json.dumps(plain, sort_keys=True, ensure_ascii=False)


def _canonical(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value
