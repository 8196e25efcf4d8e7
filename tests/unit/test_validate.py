"""Graph validation returns structured errors naming node, field and code; it never raises."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kyra.graph.validate import validate_document
from kyra.registry import default_registry


def doc(nodes: list[dict[str, Any]], edges: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"schema": "kyra.graph/1", "name": "g", "nodes": nodes, "edges": edges or []}


def codes(document: Any, **limits: int) -> set[tuple[str | None, str]]:
    return {(e.node_id, e.code) for e in validate_document(document, default_registry(), **limits)}


START = {"id": "start", "type": "Manual.trigger", "params": {}}
SET = {"id": "s", "type": "Core.set", "params": {"values": {"a": 1}}}


def edge(source: str, target: str, sp: str = "out", tp: str = "in") -> dict[str, str]:
    return {"source": source, "sourcePort": sp, "target": target, "targetPort": tp}


def test_a_valid_document_has_no_errors() -> None:
    assert codes(doc([START, SET], [edge("start", "s")])) == set()


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (doc([{"id": "x", "type": "Nope.thing"}]), ("x", "unknown_type")),
        (doc([START, dict(START)]), ("start", "duplicate_id")),
        (doc([START], [edge("start", "ghost")]), ("ghost", "dangling_edge")),
        (doc([START, SET], [edge("start", "s", sp="nope")]), ("start", "unknown_port")),
        (doc([START, SET], [edge("start", "s", tp="nope")]), ("s", "unknown_port")),
        (doc([START, SET], [edge("start", "s"), edge("start", "s")]), ("s", "duplicate_edge")),
        (doc([{"id": "c", "type": "Core.if", "params": {}}]), ("c", "missing_parameter")),
        (
            doc([{"id": "w", "type": "Core.wait", "params": {"seconds": -1}}]),
            ("w", "invalid_parameter"),
        ),
        (
            doc([{"id": "s", "type": "Core.set", "params": {"bogus": 1}}]),
            ("s", "invalid_parameter"),
        ),
        (doc([{"id": "1bad", "type": "Core.set"}]), ("1bad", "invalid_field")),
        ({"schema": "kyra.graph/2", "name": "g"}, (None, "invalid_field")),
        ({"schema": "kyra.graph/1"}, (None, "missing_field")),
        ([1, 2], (None, "invalid_document")),
    ],
)
def test_each_problem_is_reported_with_its_node_and_code(
    document: Any, expected: tuple[str | None, str]
) -> None:
    assert expected in codes(document)


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"retries": True}, "retries"),
        ({"timeout_s": "30"}, "timeout_s"),
        ({"disabled": 1}, "disabled"),
    ],
)
def test_node_settings_take_json_types_as_they_are(settings: dict[str, Any], field: str) -> None:
    node = {**SET, "settings": settings}
    errors = validate_document(doc([START, node]), default_registry())
    assert [(e.node_id, e.code) for e in errors] == [("s", "invalid_field")]
    assert field in errors[0].field


def test_graph_settings_take_json_types_as_they_are() -> None:
    document = {**doc([START]), "settings": {"require_webhook_signature": "yes"}}
    errors = validate_document(document, default_registry())
    assert [e.code for e in errors] == ["invalid_field"]
    assert "require_webhook_signature" in errors[0].field


def test_a_cycle_names_a_node_on_it() -> None:
    a = {"id": "a", "type": "Core.set", "params": {}}
    b = {"id": "b", "type": "Core.set", "params": {}}
    assert ("a", "cycle") in codes(doc([a, b], [edge("a", "b"), edge("b", "a")]))


def test_incompatible_port_types_are_refused() -> None:
    loop = {
        "id": "each",
        "type": "Core.loop",
        "params": {"items": [1], "node": {"type": "Core.set"}},
    }
    parse = {"id": "parse", "type": "JSON.parse", "params": {}}
    assert ("parse", "incompatible_ports") in codes(doc([loop, parse], [edge("each", "parse")]))


def test_templated_values_are_checked_at_run_time_not_at_save() -> None:
    wait = {"id": "w", "type": "Core.wait", "params": {"seconds": "{{ trigger.delay }}"}}
    assert codes(doc([wait])) == set()


def test_size_limits_are_enforced() -> None:
    many = [{"id": f"n{i}", "type": "Core.set", "params": {}} for i in range(11)]
    assert (None, "too_many_nodes") in codes(doc(many), max_nodes=10)
    big = doc([{"id": "s", "type": "Core.set", "params": {"values": "x" * 5000}}])
    assert (None, "too_large") in codes(big, max_bytes=1000)


def test_error_port_is_available_on_every_node() -> None:
    recover = {"id": "r", "type": "Core.set", "params": {}}
    assert (
        codes(doc([START, SET, recover], [edge("start", "s"), edge("s", "r", sp="error")])) == set()
    )


def test_switch_ports_follow_its_cases() -> None:
    switch = {
        "id": "sw",
        "type": "Core.switch",
        "params": {"cases": [{"name": "big", "when": "{{ 1 }}"}]},
    }
    ok = doc([START, switch, SET], [edge("start", "sw"), edge("sw", "s", sp="big")])
    assert codes(ok) == set()
    bad = doc([START, switch, SET], [edge("start", "sw"), edge("sw", "s", sp="small")])
    assert ("sw", "unknown_port") in codes(bad)


def test_a_switch_case_name_is_checked_even_when_its_condition_is_a_template() -> None:
    switch = {
        "id": "sw",
        "type": "Core.switch",
        "params": {"cases": [{"name": "Big Order", "when": "{{ trigger.total > 100 }}"}]},
    }
    errors = validate_document(doc([START, switch], [edge("start", "sw")]), default_registry())
    assert [(e.node_id, e.field, e.code) for e in errors] == [
        ("sw", "params.cases.0.name", "invalid_parameter")
    ]


def _loop(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "each",
        "type": "Core.loop",
        "params": {"items": "{{ trigger.rows }}", "node": body},
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"type": "Core.sett", "params": {}}, "unknown node type 'Core.sett'"),
        ({"type": "Manual.trigger", "params": {}}, "is a trigger"),
        ({"type": "Core.wait", "params": {"seconds": -1}}, "params.seconds"),
        ({"type": "Core.set", "params": {"bogus": "{{ item }}"}}, "params.bogus"),
    ],
)
def test_a_loop_body_is_validated_like_a_node(body: dict[str, Any], message: str) -> None:
    errors = validate_document(
        doc([START, _loop(body)], [edge("start", "each")]), default_registry()
    )
    assert [(e.node_id, e.field) for e in errors] == [("each", "params.node")]
    assert message in errors[0].message


def test_a_loop_body_may_template_its_params_from_the_item() -> None:
    body = {"type": "Core.wait", "params": {"seconds": "{{ item.delay }}"}}
    assert codes(doc([START, _loop(body)], [edge("start", "each")])) == set()


GRAPHS = sorted((Path(__file__).resolve().parents[2] / "graphs").rglob("*.json"))


@pytest.mark.parametrize("path", GRAPHS, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_every_example_graph_and_template_validates(path: Path) -> None:
    # Each is offered as a one-click template in the web app, services ones included.
    assert codes(json.loads(path.read_text())) == set()
