"""Keep the items that match conditions; the others leave on the ``rejected`` port."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kyra.context import NodeContext
from kyra.errors import NodeError
from kyra.spec import NodeSpec, Port, PortType
from kyra_nodes.shared.items import MISSING, getter, item_error, items_from, pick
from kyra_nodes.shared.values import ValueType, coerce, converter, infer_type, to_text

Operator = Literal[
    "equals", "not_equals", "contains", "not_contains", "starts_with", "ends_with", "regex",
    "gt", "gte", "lt", "lte", "is_empty", "is_not_empty", "exists", "not_exists",
    "in", "not_in", "before", "after",
]  # fmt: skip
_UNARY = frozenset({"is_empty", "is_not_empty", "exists", "not_exists"})
_NEGATED = frozenset({"not_equals", "not_contains", "not_in"})
_TEXT = frozenset({"contains", "not_contains", "starts_with", "ends_with", "regex"})
_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "after": lambda a, b: a > b,
    "before": lambda a, b: a < b,
}


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str = Field(description="Dotted path in the item, e.g. customer.country or lines.0.sku")
    op: Operator = Field("equals", description="Comparison")
    value: Any = Field(None, description="What to compare with (a list for in / not_in)")
    type: ValueType = Field(
        "auto",
        description="Compare as this type; auto uses the value's JSON type (dates for before / "
        "after). Item values that are not of the type never match.",
    )
    case_sensitive: bool = Field(True, description="For text comparisons")

    @model_validator(mode="after")
    def _value_fits(self) -> Condition:
        if self.op in ("in", "not_in") and not isinstance(self.value, list):
            raise ValueError(f"op {self.op!r} needs a list value")
        if self.op == "regex":
            try:
                re.compile(str(self.value))
            except re.error as exc:
                raise ValueError(f"invalid regex: {exc}") from None
        return self


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: Any = Field(None, description="List of objects; defaults to the incoming list")
    conditions: list[Condition] = Field(default_factory=list, description="What to keep")
    combine: Literal["and", "or"] = Field(
        "and", description="and: every condition must hold; or: any one is enough"
    )
    strict: bool = Field(
        False, description="Fail on an item value that is not of the condition's type"
    )


SPEC = NodeSpec(
    type="Data.filter",
    title="Filter items",
    category="Data",
    icon="filter",
    description=(
        "Keep the items of a list that match conditions (equals, contains, regex, >, <, "
        "in list, date before/after, exists …) combined with AND or OR; output the kept items "
        "in order on `out` and the others on `rejected`."
    ),
    params=Params,
    inputs=[Port("in", PortType.list, description="Items")],
    outputs=[
        Port("out", PortType.list, description="Items that match"),
        Port("rejected", PortType.list, description="Items that do not match"),
    ],
    pure=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    tests = [_compile(i, c, params.strict) for i, c in enumerate(params.conditions)]
    wanted = params.combine == "or"  # the answer that decides early: any true, or any false
    kept: list[Any] = []
    rejected: list[Any] = []
    for index, item in enumerate(items_from(pick(params.items, inputs))):
        matched = not wanted
        for test in tests:
            if test(index, item) == wanted:
                matched = wanted
                break
        (kept if matched else rejected).append(item)
    return {"out": kept, "rejected": rejected}


Test = Callable[[int, Any], bool]


def _compile(position: int, cond: Condition, strict: bool) -> Test:
    kind: ValueType = cond.type
    if kind == "auto":
        kind = "date" if cond.op in ("before", "after") else infer_type(cond.value)
    if cond.op in _TEXT:
        kind = "string"
    # Plain locals: the closures run once per item and condition.
    op, field, fold = cond.op, cond.field, not cond.case_sensitive
    get, convert = getter(field), converter(kind)
    if op in _UNARY:
        return lambda index, item: _unary(op, get(item))
    expected = _expected(position, cond, kind)
    compare = _comparison(cond, expected)

    def test(index: int, item: Any) -> bool:
        raw = get(item)
        if raw is MISSING or raw is None:
            return _absent(op, expected)
        actual = convert(raw)
        if fold and isinstance(actual, str):
            actual = actual.casefold()
        if actual is None:
            if strict:
                raise item_error(index, field, f"{raw!r} is not a {kind}")
            return op in _NEGATED
        try:
            return compare(actual)
        except TypeError:  # auto-typed values of different kinds (3 > "a") do not match
            return False

    return test


def _expected(position: int, cond: Condition, kind: ValueType) -> Any:
    if cond.op in _UNARY:
        return None
    values = cond.value if cond.op in ("in", "not_in") else [cond.value]
    converted = [_normalise(coerce(v, kind), cond) for v in values]
    for value, as_kind in zip(values, converted, strict=True):
        if as_kind is None and value is not None:
            raise NodeError(
                f"conditions[{position}].value: {value!r} is not a {kind}",
                details={"field": f"conditions.{position}.value"},
            )
    return converted if cond.op in ("in", "not_in") else converted[0]


def _normalise(value: Any, cond: Condition) -> Any:
    if isinstance(value, str) and not cond.case_sensitive:
        return value.casefold()
    return value


def _comparison(cond: Condition, expected: Any) -> Callable[[Any], bool]:
    op = cond.op
    if op in _ORDER:
        order = _ORDER[op]
        return lambda actual: expected is not None and order(actual, expected)
    if op == "regex":
        flags = 0 if cond.case_sensitive else re.IGNORECASE
        pattern = re.compile(to_text(cond.value), flags)
        return lambda actual: pattern.search(actual) is not None
    text = {
        "contains": lambda a: expected in a,
        "not_contains": lambda a: expected not in a,
        "starts_with": lambda a: a.startswith(expected),
        "ends_with": lambda a: a.endswith(expected),
        "in": lambda a: a in expected,
        "not_in": lambda a: a not in expected,
        "equals": lambda a: a == expected,
        "not_equals": lambda a: a != expected,
    }
    return text[op]


def _absent(op: str, expected: Any) -> bool:
    """Whether a missing or null field matches: only as null itself, or as "not …"."""
    if op == "equals":
        return expected is None
    if op == "in":
        return None in expected
    if op == "not_in":
        return None not in expected
    return op in _NEGATED and expected is not None


def _unary(op: str, raw: Any) -> bool:
    if op == "exists":
        return raw is not MISSING
    if op == "not_exists":
        return raw is MISSING
    empty = raw is MISSING or raw is None or raw == "" or raw == [] or raw == {}
    return empty if op == "is_empty" else not empty
