"""Data.* nodes, table-driven: empty input, missing fields, mixed types, unicode, nesting."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from kyra.errors import NodeError
from kyra.spec import NodeSpec
from kyra_nodes.data import (
    aggregate,
    compare,
    deduplicate,
    filter,
    limit,
    rename_keys,
    sort,
    split_out,
)

PEOPLE = [
    {"name": "Zoë", "age": 31, "city": "Málaga", "tags": ["a", "b"]},
    {"name": "adam", "age": "7", "city": "Oslo"},
    {"name": "Émile", "age": None, "city": "Paris", "tags": []},
    {"name": "Bob", "city": "Oslo", "joined": "2024-02-29T10:00:00+01:00"},
    {"name": "Çelik", "age": 45.5, "city": "İzmir", "joined": "2023-12-31"},
]


async def run(spec: NodeSpec, inputs: dict[str, Any] | None = None, **params: Any) -> Any:
    assert spec.execute is not None
    return await spec.execute(None, spec.params.model_validate(params), inputs or {})  # type: ignore[arg-type]


def names(items: list[dict[str, Any]]) -> list[str]:
    return [item["name"] for item in items]


FILTER_CASES = [
    ("empty input", [], [{"field": "age", "op": "gt", "value": 1}], "and", []),
    ("no conditions keeps all", PEOPLE, [], "and", names(PEOPLE)),
    ("number gt coerces numeric text", PEOPLE, [{"field": "age", "op": "gt", "value": 5}], "and",
     ["Zoë", "adam", "Çelik"]),
    ("missing and null never compare", PEOPLE, [{"field": "age", "op": "lt", "value": 100}], "and",
     ["Zoë", "adam", "Çelik"]),
    ("equals null matches missing", PEOPLE, [{"field": "age", "op": "equals", "value": None}],
     "and", ["Émile", "Bob"]),
    ("not_equals keeps missing", PEOPLE, [{"field": "city", "op": "not_equals", "value": "Oslo"}],
     "and", ["Zoë", "Émile", "Çelik"]),
    ("unicode contains, case-insensitive", PEOPLE,
     [{"field": "name", "op": "contains", "value": "ZOË", "case_sensitive": False}], "and",
     ["Zoë"]),
    ("starts and ends with", PEOPLE,
     [{"field": "city", "op": "starts_with", "value": "O"},
      {"field": "name", "op": "ends_with", "value": "b"}], "and", ["Bob"]),
    ("or combines", PEOPLE,
     [{"field": "city", "op": "equals", "value": "Paris"},
      {"field": "age", "op": "gte", "value": 45}], "or", ["Émile", "Çelik"]),
    ("regex", PEOPLE, [{"field": "name", "op": "regex", "value": "^[A-Z][a-z]+$"}], "and",
     ["Bob"]),
    ("in list", PEOPLE, [{"field": "city", "op": "in", "value": ["Oslo", "Paris"]}], "and",
     ["adam", "Émile", "Bob"]),
    ("not in list", PEOPLE, [{"field": "city", "op": "not_in", "value": ["Oslo", "Paris"]}], "and",
     ["Zoë", "Çelik"]),
    ("date after, mixed offsets", PEOPLE,
     [{"field": "joined", "op": "after", "value": "2024-01-01T00:00:00Z"}], "and", ["Bob"]),
    ("date before", PEOPLE, [{"field": "joined", "op": "before", "value": "2024-01-01"}], "and",
     ["Çelik"]),
    ("exists and is_empty", PEOPLE,
     [{"field": "tags", "op": "exists"}, {"field": "tags", "op": "is_empty"}], "and", ["Émile"]),
    ("not_exists", PEOPLE, [{"field": "tags", "op": "not_exists"}], "and",
     ["adam", "Bob", "Çelik"]),
    ("is_not_empty on nested list index", PEOPLE, [{"field": "tags.1", "op": "is_not_empty"}],
     "and", ["Zoë"]),
    ("explicit string type compares text", PEOPLE,
     [{"field": "age", "op": "equals", "value": "7", "type": "string"}], "and", ["adam"]),
    ("boolean auto from text", [{"name": "x", "ok": "yes"}, {"name": "y", "ok": False}],
     [{"field": "ok", "op": "equals", "value": True}], "and", ["x"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("items", "conditions", "combine", "kept"),
    [case[1:] for case in FILTER_CASES],
    ids=[case[0] for case in FILTER_CASES],
)
async def test_filter(
    items: list[Any], conditions: list[Any], combine: str, kept: list[str]
) -> None:
    ports = await run(filter.SPEC, {"in": items}, conditions=conditions, combine=combine)
    assert names(ports["out"]) == kept
    assert len(ports["out"]) + len(ports["rejected"]) == len(items)


async def test_filter_strict_names_the_item_and_field() -> None:
    with pytest.raises(NodeError, match=r"items\[1\]\.age: 'seven' is not a number"):
        await run(
            filter.SPEC,
            {"in": [{"age": 3}, {"age": "seven"}]},
            conditions=[{"field": "age", "op": "gt", "value": 1}],
            strict=True,
        )


async def test_filter_condition_value_of_the_wrong_type_names_the_condition() -> None:
    with pytest.raises(NodeError, match=r"conditions\[0\]\.value: 'soon' is not a date"):
        conditions = [{"field": "joined", "op": "after", "value": "soon"}]
        await run(filter.SPEC, {"in": PEOPLE}, conditions=conditions)


@pytest.mark.parametrize(
    "condition",
    [{"field": "a", "op": "in", "value": "x"}, {"field": "a", "op": "regex", "value": "("}],
)
def test_filter_refuses_bad_conditions_at_validation(condition: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        filter.Params.model_validate({"conditions": [condition]})


async def test_filter_refuses_a_non_list_naming_the_param() -> None:
    with pytest.raises(NodeError, match="items must be a list of objects, got str"):
        await run(filter.SPEC, {"in": "nope"})


SORT_CASES = [
    ("empty", [], [{"field": "age"}], []),
    ("numbers and numeric text, nulls last", PEOPLE, [{"field": "age", "type": "number"}],
     ["adam", "Zoë", "Çelik", "Émile", "Bob"]),
    ("descending keeps nulls last", PEOPLE, [{"field": "age", "order": "desc", "type": "number"}],
     ["Çelik", "Zoë", "adam", "Émile", "Bob"]),
    ("mixed auto types do not raise", PEOPLE, [{"field": "age"}],
     ["Zoë", "Çelik", "adam", "Émile", "Bob"]),
    ("unicode case-insensitive", PEOPLE, [{"field": "name", "case_sensitive": False}],
     ["adam", "Bob", "Zoë", "Çelik", "Émile"]),
    ("several keys", PEOPLE, [{"field": "city"}, {"field": "name", "order": "desc"}],
     ["Zoë", "adam", "Bob", "Émile", "Çelik"]),
    ("dates", PEOPLE, [{"field": "joined", "type": "date"}],
     ["Çelik", "Bob", "Zoë", "adam", "Émile"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("items", "keys", "order"), [c[1:] for c in SORT_CASES], ids=[c[0] for c in SORT_CASES]
)
async def test_sort(items: list[Any], keys: list[Any], order: list[str]) -> None:
    assert names((await run(sort.SPEC, {"in": items}, keys=keys))["out"]) == order


async def test_sort_without_keys_sorts_plain_values() -> None:
    assert (await run(sort.SPEC, items=[3, "b", None, 1, "a"]))["out"] == [1, 3, "a", "b", None]


@pytest.mark.parametrize(
    ("count", "keep", "expected"),
    [(2, "first", ["Zoë", "adam"]), (2, "last", ["Bob", "Çelik"]), (0, "last", []),
     (99, "first", names(PEOPLE))],
)  # fmt: skip
async def test_limit(count: int, keep: str, expected: list[str]) -> None:
    assert names((await run(limit.SPEC, {"in": PEOPLE}, count=count, keep=keep))["out"]) == expected


async def test_limit_of_nothing_is_nothing() -> None:
    assert (await run(limit.SPEC, {"in": None}, count=3))["out"] == []


DEDUP_CASES = [
    ("empty", [], [], "first", [], 0),
    ("by field keeps first", PEOPLE, ["city"], "first", ["Zoë", "adam", "Émile", "Çelik"], 1),
    ("by field keeps last, order kept", PEOPLE, ["city"], "last",
     ["Zoë", "Émile", "Bob", "Çelik"], 1),
    ("whole items, 1 equals 1.0, key order ignored",
     [{"name": "a", "n": 1}, {"n": 1.0, "name": "a"}, {"name": "a", "n": 2}], [], "first",
     ["a", "a"], 1),
    ("missing equals null", [{"name": "x"}, {"name": "y", "k": None}], ["k"], "first", ["x"], 1),
]  # fmt: skip


@pytest.mark.parametrize(
    ("items", "fields", "keep", "kept", "removed"),
    [c[1:] for c in DEDUP_CASES],
    ids=[c[0] for c in DEDUP_CASES],
)
async def test_deduplicate(
    items: list[Any], fields: list[str], keep: str, kept: list[str], removed: int
) -> None:
    ports = await run(deduplicate.SPEC, {"in": items}, fields=fields, keep=keep)
    assert names(ports["out"]) == kept
    assert len(ports["duplicates"]) == removed


ORDERS = [
    {"customer": {"id": 1, "name": "Ana"}, "amount": 10, "sku": "a"},
    {"customer": {"id": 2, "name": "Bo"}, "amount": "2.5", "sku": "b"},
    {"customer": {"id": 1, "name": "Ana"}, "amount": 5, "sku": "a"},
    {"customer": {"id": 1, "name": "Ana"}, "sku": "ç"},
]


async def test_aggregate_groups_by_a_nested_field_in_first_appearance_order() -> None:
    ports = await run(
        aggregate.SPEC,
        {"in": ORDERS},
        group_by=["customer.id"],
        aggregations=[
            {"op": "count"},
            {"op": "count", "field": "amount"},
            {"op": "sum", "field": "amount", "output": "total"},
            {"op": "avg", "field": "amount"},
            {"op": "min", "field": "amount"},
            {"op": "max", "field": "amount"},
            {"op": "concatenate", "field": "sku", "separator": "|"},
            {"op": "count_distinct", "field": "sku"},
            {"op": "list", "field": "sku"},
            {"op": "first", "field": "sku"},
            {"op": "last", "field": "amount"},
        ],
    )
    assert ports["out"] == [
        {"customer": {"id": 1}, "count": 3, "count_amount": 2, "total": 15, "avg_amount": 7.5,
         "min_amount": 5, "max_amount": 10, "concatenate_sku": "a|a|ç", "count_distinct_sku": 2,
         "list_sku": ["a", "a", "ç"], "first_sku": "a", "last_amount": 5},
        {"customer": {"id": 2}, "count": 1, "count_amount": 1, "total": 2.5, "avg_amount": 2.5,
         "min_amount": "2.5", "max_amount": "2.5", "concatenate_sku": "b",
         "count_distinct_sku": 1, "list_sku": ["b"], "first_sku": "b", "last_amount": "2.5"},
    ]  # fmt: skip


async def test_aggregate_of_nothing_without_groups_is_one_empty_group() -> None:
    aggregations = [{"op": "count"}, {"op": "sum", "field": "x"}, {"op": "avg", "field": "x"}]
    ports = await run(aggregate.SPEC, {"in": []}, aggregations=aggregations)
    assert ports["out"] == [{"count": 0, "sum_x": 0, "avg_x": None}]
    assert (await run(aggregate.SPEC, {"in": []}, group_by=["k"]))["out"] == []


async def test_aggregate_sum_of_text_names_the_item() -> None:
    items = [{"x": 1}, {"x": "uno"}]
    with pytest.raises(NodeError, match=r"items\[1\]\.x: 'uno' is not a number"):
        await run(aggregate.SPEC, {"in": items}, aggregations=[{"op": "sum", "field": "x"}])


def test_aggregate_needs_a_field_except_for_count() -> None:
    with pytest.raises(ValidationError, match="needs a field"):
        aggregate.Params.model_validate({"aggregations": [{"op": "sum"}]})


SPLIT_CASES = [
    ("empty", [], {"field": "tags"}, []),
    ("one per element, missing and empty give none", PEOPLE, {"field": "tags"},
     [{"tags": "a"}, {"tags": "b"}]),
    ("keep empty", PEOPLE[:3], {"field": "tags", "keep_empty": True, "include": "selected",
      "fields": ["name"]},
     [{"name": "Zoë", "tags": "a"}, {"name": "Zoë", "tags": "b"}, {"name": "adam", "tags": None},
      {"name": "Émile", "tags": None}]),
    ("include all, nested field, destination", [{"id": 1, "o": {"lines": [1, 2]}}],
     {"field": "o.lines", "destination": "line", "include": "all"},
     [{"id": 1, "o": {}, "line": 1}, {"id": 1, "o": {}, "line": 2}]),
    ("merge objects", [{"id": 1, "lines": [{"sku": "ä"}, {"sku": "b"}]}],
     {"field": "lines", "destination": "*", "include": "selected", "fields": ["id"]},
     [{"id": 1, "sku": "ä"}, {"id": 1, "sku": "b"}]),
    ("a single value is one element", [{"tags": "solo"}], {"field": "tags"}, [{"tags": "solo"}]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("items", "params", "expected"), [c[1:] for c in SPLIT_CASES], ids=[c[0] for c in SPLIT_CASES]
)
async def test_split_out(items: list[Any], params: dict[str, Any], expected: list[Any]) -> None:
    assert (await run(split_out.SPEC, {"in": items}, **params))["out"] == expected


async def test_split_out_refuses_non_objects_naming_the_index() -> None:
    with pytest.raises(NodeError, match=r"items\[1\] is a string, not an object"):
        await run(split_out.SPEC, {"in": [{"tags": []}, "x"]}, field="tags")


RENAME_CASES = [
    ("empty", [], [{"from": "a", "to": "b"}], []),
    ("flat, missing left alone", [{"a": 1}, {"c": 2}], [{"from": "a", "to": "b"}],
     [{"b": 1}, {"c": 2}]),
    ("nested to top", [{"user": {"mail": "ü@x", "id": 1}}], [{"from": "user.mail", "to": "email"}],
     [{"user": {"id": 1}, "email": "ü@x"}]),
    ("top into nested, chained", [{"a": 1}],
     [{"from": "a", "to": "x.y"}, {"from": "x.y", "to": "z"}],
     [{"x": {}, "z": 1}]),
    ("a key with a dot", [{"a.b": 1}], [{"from": "a.b", "to": "ab"}], [{"ab": 1}]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("items", "renames", "expected"),
    [c[1:] for c in RENAME_CASES],
    ids=[c[0] for c in RENAME_CASES],
)
async def test_rename_keys(items: list[Any], renames: list[Any], expected: list[Any]) -> None:
    before = repr(items)
    assert (await run(rename_keys.SPEC, {"in": items}, renames=renames))["out"] == expected
    assert repr(items) == before  # inputs are never changed


async def test_compare_sorts_records_into_four_ports() -> None:
    a = [{"id": 1, "v": "x"}, {"id": 2, "v": "y"}, {"id": 3, "v": "z"}, {"id": None, "v": "ñ"}]
    b = [{"id": 4, "v": "w"}, {"id": 2, "v": "Y"}, {"id": 1, "v": "x"}, {"v": "ñ"}]
    ports = await run(compare.SPEC, {"a": a, "b": b}, keys=["id"])
    assert ports["only_a"] == [{"id": 3, "v": "z"}]
    assert ports["only_b"] == [{"id": 4, "v": "w"}]
    assert ports["same"] == [{"id": 1, "v": "x"}, {"id": None, "v": "ñ"}]  # missing is null
    assert ports["different"] == [{"key": {"id": 2}, "a": a[1], "b": b[1], "changed": ["v"]}]


async def test_compare_limited_to_fields_and_empty_lists() -> None:
    a = [{"id": 1, "v": 1, "note": "a"}]
    b = [{"id": 1, "v": 1.0, "note": "b"}]
    ports = await run(compare.SPEC, {"a": a, "b": b}, keys=["id"], fields=["v"])
    assert ports["same"] == a
    empty = await run(compare.SPEC, {}, keys=["id"])
    assert empty == {"only_a": [], "only_b": [], "same": [], "different": []}
