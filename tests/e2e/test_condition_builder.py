"""Journey: If and Switch conditions built from rules (field, operator, value, all/any)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.sync_api import expect

from .conftest import Editor

pytestmark = pytest.mark.e2e


def test_an_if_condition_built_from_rules_routes_the_run(
    editor: Editor, api_client: httpx.Client
) -> None:
    page = editor.page
    edge = lambda s, sp, t: {"source": s, "sourcePort": sp, "target": t, "targetPort": "in"}  # noqa: E731
    document = {
        "schema": "kyra.graph/1",
        "name": f"rules-{uuid.uuid4().hex[:6]}",
        "nodes": [
            {"id": "start", "type": "Manual.trigger", "position": {"x": 0, "y": 0}},
            {"id": "check", "type": "Core.if", "params": {"condition": ""},
             "position": {"x": 350, "y": 0}},
            {"id": "yes", "type": "Core.set", "params": {"values": {"big": True}},
             "position": {"x": 700, "y": -100}},
            {"id": "no", "type": "Core.set", "params": {"values": {"big": False}},
             "position": {"x": 700, "y": 150}},
        ],
        "edges": [edge("start", "out", "check"), edge("check", "true", "yes"),
                  edge("check", "false", "no")],
        "editor": {"test_payload": {"body": {"amount": 250, "tier": "gold"}}},
    }  # fmt: skip
    graph_id = api_client.post("/api/graphs", json=document).json()["id"]
    editor.open_graph(graph_id)
    editor.select("check")
    rules = editor.inspector

    # Two rules, all of which must hold, previewed against the test payload
    rules.get_by_label("Field 1").fill("trigger.body.amount")
    rules.get_by_label("Operator 1").select_option(label="is greater than")
    rules.get_by_label("Value 1").fill("100")
    rules.get_by_role("button", name="+ Add condition").click()
    rules.get_by_label("Field 2").fill("trigger.body.tier")
    rules.get_by_label("Value 2").fill("gold")
    expect(rules.get_by_test_id("template-preview")).to_have_text("= true")

    # They are saved as the template they stand for, and the Template tab shows it
    rules.get_by_role("tab", name="Template").click()
    expect(rules.locator("#param_condition")).to_have_value(
        "{{ trigger.body.amount > 100 and trigger.body.tier == 'gold' }}"
    )
    rules.get_by_role("tab", name="Rules").click()
    expect(rules.get_by_label("Field 2")).to_have_value("trigger.body.tier")

    # The run takes the true branch
    editor.button("Run").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-run-status", "succeeded", timeout=30_000
    )
    expect(editor.node("yes").locator("[data-status]")).to_have_attribute(
        "data-status", "succeeded"
    )
    expect(editor.node("no").locator("[data-status]")).to_have_attribute("data-status", "skipped")

    # Any of: a rule that fails alone still lets the other one through
    page.get_by_role("tab", name="Parameters").click()
    rules.get_by_label("Value 1").fill("1000")
    expect(rules.get_by_test_id("template-preview")).to_have_text("= false")
    rules.get_by_label("Match").select_option(label="any of")
    expect(rules.get_by_test_id("template-preview")).to_have_text("= true")


def test_a_switch_case_takes_rules_too(editor: Editor, api_client: httpx.Client) -> None:
    cases = [{"name": "refund", "when": "{{ trigger.kind == 'refund' }}"}]
    document = {
        "schema": "kyra.graph/1",
        "name": f"switch-{uuid.uuid4().hex[:6]}",
        "nodes": [{"id": "route", "type": "Core.switch", "params": {"cases": cases}}],
        "edges": [],
    }
    graph_id = api_client.post("/api/graphs", json=document).json()["id"]
    editor.open_graph(graph_id)
    editor.select("route")

    expect(editor.inspector.get_by_label("Field 1")).to_have_value("trigger.kind")
    editor.inspector.get_by_label("Operator 1").select_option(label="starts with")
    editor.inspector.get_by_label("Value 1").fill("ref")
    editor.save()
    saved = api_client.get(f"/api/graphs/{graph_id}").json()["document"]
    assert saved["nodes"][0]["params"]["cases"][0]["when"] == "{{ trigger.kind.startswith('ref') }}"
