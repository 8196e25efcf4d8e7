"""Group items by fields and compute sums, counts, averages, extremes and joined text."""

from __future__ import annotations

import json
from types import NoneType
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port, PortType
from kyra_nodes.shared.items import MISSING, getter, item_error, items_from, pick, with_path
from kyra_nodes.shared.values import sort_key, to_number, to_text

Operation = Literal[
    "count", "count_distinct", "sum", "avg", "min", "max", "concatenate", "list", "first", "last"
]
_NUMERIC = frozenset({"sum", "avg"})
_SCALARS = frozenset({str, int, float, NoneType})


class Aggregation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    op: Operation = Field(description="What to compute over the group")
    field: str = Field(
        "", description="Dotted path of the value; count without a field counts items"
    )
    output: str = Field("", description="Output key; defaults to op_field, e.g. sum_amount")
    separator: str = Field(", ", description="For concatenate")

    @model_validator(mode="after")
    def _field_given(self) -> Aggregation:
        if not self.field and self.op != "count":
            raise ValueError(f"op {self.op!r} needs a field")
        return self

    @property
    def key(self) -> str:
        return self.output or (f"{self.op}_{self.field}" if self.field else self.op)


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: Any = Field(None, description="List to aggregate; defaults to the incoming list")
    group_by: list[str] = Field(
        default_factory=list, description="Dotted paths to group by; empty makes one group"
    )
    aggregations: list[Aggregation] = Field(
        default_factory=lambda: [Aggregation(op="count")], description="What to compute"
    )


SPEC = NodeSpec(
    type="Data.aggregate",
    title="Aggregate items",
    category="Data",
    icon="sum",
    description=(
        "Group the items of a list by fields and output one item per group (in order of first "
        "appearance) with the group's values and the chosen sum, avg, count, count_distinct, "
        "min, max, concatenate, list, first or last of other fields."
    ),
    params=Params,
    inputs=[Port("in", PortType.list, description="Items")],
    outputs=[Port("out", PortType.list, description="One item per group")],
    pure=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    items = items_from(pick(params.items, inputs))
    groups: dict[Any, tuple[list[Any], list[tuple[int, Any]]]] = {}
    getters = [getter(path) for path in params.group_by]
    for index, item in enumerate(items):
        keys = [_present(get(item)) for get in getters]
        groups.setdefault(_identity(keys), (keys, []))[1].append((index, item))
    if not groups and not params.group_by:
        groups[""] = ([], [])
    out = []
    for keys, members in groups.values():
        row: dict[str, Any] = {}
        for path, value in zip(params.group_by, keys, strict=True):
            row = with_path(row, path, value)
        for aggregation in params.aggregations:
            row[aggregation.key] = _compute(aggregation, members)
        out.append(row)
    return {"out": out}


def _identity(keys: list[Any]) -> Any:
    """A dict key for a group: the values themselves when they are plain scalars (the type is
    part of it, so that true and 1 stay apart), else their JSON text."""
    if all(type(key) in _SCALARS for key in keys):
        return tuple((type(key), key) for key in keys)
    return json.dumps(keys, sort_keys=True, ensure_ascii=False)


def _present(value: Any) -> Any:
    return None if value is MISSING else value


def _compute(aggregation: Aggregation, members: list[tuple[int, Any]]) -> Any:
    op = aggregation.op
    if op == "count" and not aggregation.field:
        return len(members)
    get = getter(aggregation.field)
    values = [
        (index, value)
        for index, item in members
        if (value := get(item)) is not None and value is not MISSING
    ]
    if op in _NUMERIC:
        numbers = [_number(index, aggregation.field, value) for index, value in values]
        if op == "sum":
            return sum(numbers)
        return sum(numbers) / len(numbers) if numbers else None
    plain = [value for _, value in values]
    if op == "count":
        return len(plain)
    if op == "count_distinct":
        return len({json.dumps(v, sort_keys=True, ensure_ascii=False) for v in plain})
    if op in ("min", "max"):
        pick_one = min if op == "min" else max
        if not plain:
            return None
        all_numbers = all(type(v) in (int, float) for v in plain)
        return pick_one(plain) if all_numbers else pick_one(plain, key=_order)
    if op == "concatenate":
        return aggregation.separator.join(to_text(v) for v in plain)
    if op == "list":
        return plain
    if not plain:
        return None
    return plain[0] if op == "first" else plain[-1]


def _number(index: int, field: str, value: Any) -> int | float:
    if type(value) in (int, float):
        return value  # type: ignore[no-any-return]
    number = to_number(value)
    if number is None:
        raise item_error(index, field, f"{value!r} is not a number")
    return number


def _order(value: Any) -> tuple[int, Any]:
    number = to_number(value) if isinstance(value, str) else None
    return sort_key(number if number is not None else value)
