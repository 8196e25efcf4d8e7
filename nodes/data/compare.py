"""Compare two lists of items matched by key fields: only in A, only in B, same, different."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port, PortType
from kyra_nodes.shared.items import MISSING, get_path, items_from, pick


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    a: Any = Field(None, description="List A; defaults to the items on input a")
    b: Any = Field(None, description="List B; defaults to the items on input b")
    keys: list[str] = Field(
        min_length=1, description="Dotted paths that identify the same record in A and B"
    )
    fields: list[str] = Field(
        default_factory=list, description="Fields compared for 'different'; empty compares all"
    )


SPEC = NodeSpec(
    type="Data.compare",
    title="Compare lists",
    category="Data",
    icon="compare",
    description=(
        "Match the items of list A and list B by key fields and output four lists: items only "
        "in A, only in B, in both and equal (`same`), and in both but different "
        "(`different`: {key, a, b, changed fields})."
    ),
    params=Params,
    inputs=[
        Port("a", PortType.list, description="List A"),
        Port("b", PortType.list, description="List B"),
    ],
    outputs=[
        Port("only_a", PortType.list, description="Items of A with no match in B"),
        Port("only_b", PortType.list, description="Items of B with no match in A"),
        Port("same", PortType.list, description="Items in both, equal in the compared fields"),
        Port("different", PortType.list, description="{key, a, b, changed} per changed pair"),
    ],
    pure=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    list_a = items_from(pick(params.a, inputs, "a"), name="a")
    list_b = items_from(pick(params.b, inputs, "b"), name="b")
    waiting: dict[str, list[int]] = {}
    for index, item in enumerate(list_b):
        waiting.setdefault(_identity(item, params.keys), []).append(index)
    matched: set[int] = set()
    ports: dict[str, list[Any]] = {"only_a": [], "only_b": [], "same": [], "different": []}
    for item in list_a:
        matches = waiting.get(_identity(item, params.keys))
        if not matches:
            ports["only_a"].append(item)
            continue
        matched.add(matches[0])
        other = list_b[matches.pop(0)]
        changed = _changed(item, other, params.fields)
        if changed:
            key = {k: _plain(get_path(item, k)) for k in params.keys}
            ports["different"].append({"key": key, "a": item, "b": other, "changed": changed})
        else:
            ports["same"].append(item)
    ports["only_b"] = [item for i, item in enumerate(list_b) if i not in matched]
    return dict(ports)


def _identity(item: Any, keys: list[str]) -> str:
    return json.dumps([_plain(get_path(item, k)) for k in keys], sort_keys=True, default=str)


def _changed(a: Any, b: Any, fields: list[str]) -> list[str]:
    if not fields:
        names = list(a) if isinstance(a, dict) else []
        names += [k for k in (b if isinstance(b, dict) else []) if k not in names]
        fields = names if names else [""]
    return [f for f in fields if _plain(get_path(a, f)) != _plain(get_path(b, f))]


def _plain(value: Any) -> Any:
    return None if value is MISSING else value
