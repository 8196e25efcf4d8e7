"""Journeys over the traps a newcomer met in the first hour (issue "Editor II"), one per trap."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from .conftest import Editor

pytestmark = pytest.mark.e2e


def _graph(name: str, nodes: list[dict[str, Any]], edges: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "schema": "kyra.graph/1",
        "name": f"{name}-{uuid.uuid4().hex[:6]}",
        "nodes": nodes,
        "edges": [
            {"source": s, "sourcePort": "out", "target": t, "targetPort": "in"} for s, t in edges
        ],
    }


def _start_and_set(name: str, values: dict[str, Any]) -> dict[str, Any]:
    nodes = [
        {"id": "start", "type": "Manual.trigger", "position": {"x": 0, "y": 0}},
        {
            "id": "set",
            "type": "Core.set",
            "params": {"values": values},
            "position": {"x": 320, "y": 0},
        },
    ]
    return _graph(name, nodes, [("start", "set")])


def test_run_needs_a_trigger_and_a_first_run_shows_its_statuses(
    editor: Editor, api_client: httpx.Client
) -> None:
    page = editor.page
    graphs_before = len(api_client.get("/api/graphs").json())
    editor.new_graph()

    # An empty graph does not run (and is not saved as "Untitled graph" with an empty run)
    editor.button("Run").click()
    expect(page.get_by_test_id("toast").last).to_contain_text("empty")
    # A graph without a trigger says so
    editor.drop("Core.set", 400, 250)
    editor.button("Run").click()
    expect(page.get_by_test_id("toast").last).to_contain_text("no trigger")
    assert len(api_client.get("/api/graphs").json()) == graphs_before
    expect(page.get_by_test_id("dirty-flag")).to_have_text("unsaved")

    # The first Run of a never-saved graph saves it and shows the run on the same canvas
    start = editor.drop("Manual.trigger", 120, 250)
    editor.connect(start, "out", "set", "in")
    editor.button("Run").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-run-status", "succeeded", timeout=30_000
    )
    for node_id in (start, "set"):
        expect(editor.node(node_id).locator("[data-status]")).to_have_attribute(
            "data-status", "succeeded"
        )
    expect(page.get_by_test_id("dirty-flag")).to_have_text("saved")
    assert "/graphs/new" not in page.url


def test_replay_from_a_node_runs_the_unsaved_edits(
    editor: Editor, api_client: httpx.Client
) -> None:
    page = editor.page
    graph_id = api_client.post("/api/graphs", json=_start_and_set("replay", {"v": "one"})).json()[
        "id"
    ]
    editor.open_graph(graph_id)
    editor.button("Run").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-run-status", "succeeded", timeout=30_000
    )

    # When the node is edited (not saved) and replayed
    editor.select("set")
    page.get_by_role("tab", name="Parameters").click()
    editor.inspector.get_by_label("Values").fill('{"v": "two"}')
    expect(page.get_by_test_id("dirty-flag")).to_have_text("unsaved")
    page.get_by_role("tab", name="Result").click()
    editor.button("Replay from this node").click()

    # Then the replay ran what is on screen, saved first
    expect(page.get_by_test_id("dirty-flag")).to_have_text("saved")
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-run-status", "succeeded", timeout=30_000
    )
    editor.select("set")
    page.get_by_role("tab", name="Result").click()
    expect(page.get_by_test_id("result-output")).to_contain_text('"two"')


def test_clicking_a_node_in_the_run_view_shows_its_result(
    editor: Editor, api_client: httpx.Client
) -> None:
    page = editor.page
    document = _start_and_set("run view", {"greeting": "hi"})
    graph_id = api_client.post("/api/graphs", json=document).json()["id"]
    run = api_client.post(f"/api/graphs/{graph_id}/runs", json={"mode": "sync"}).json()

    page.goto(f"{editor.url}/runs/{run['id']}")
    editor.select("set")

    expect(page.get_by_test_id("node-result")).to_be_visible()
    expect(page.get_by_test_id("result-output")).to_contain_text('"greeting": "hi"')


def test_the_history_page_shows_each_runs_version(editor: Editor, api_client: httpx.Client) -> None:
    page = editor.page
    document = _start_and_set("history", {"n": 1})
    graph_id = api_client.post("/api/graphs", json=document).json()["id"]
    api_client.put(
        f"/api/graphs/{graph_id}", json=_start_and_set("x", {"n": 2}) | {"name": document["name"]}
    )
    for version in (1, 2):
        api_client.post(f"/api/graphs/{graph_id}/runs", json={"mode": "sync", "version": version})

    page.goto(f"{editor.url}/graphs/{graph_id}/runs")

    rows = page.get_by_test_id("run-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("v2")
    expect(rows.nth(1)).to_contain_text("v1")
    expect(page.get_by_test_id("runs-table")).not_to_contain_text("vnull")


def test_a_picked_suggestion_leaves_the_caret_inside_the_expression(editor: Editor) -> None:
    page = editor.page
    editor.new_graph()
    start = editor.drop("Manual.trigger", 120, 250)
    node = editor.drop("Core.set", 480, 250)
    editor.connect(start, "out", node, "in")
    editor.select(node)
    values = editor.inspector.get_by_label("Values")

    values.click()
    page.keyboard.type('{"name": "{{ trig')
    expect(editor.inspector.get_by_role("option", name="trigger", exact=True)).to_be_visible()
    page.keyboard.press("Enter")
    page.keyboard.type(".body.name")

    expect(values).to_have_value('{"name": "{{ trigger.body.name }}')


def test_undoing_an_import_brings_back_the_name_and_description(
    editor: Editor, tmp_path: Path
) -> None:
    page = editor.page
    editor.new_graph()
    name_field = page.get_by_label("Graph name")
    name_field.fill("my own graph")
    imported = tmp_path / "imported.json"
    document = _start_and_set("imported", {"a": 1}) | {"description": "came from a file"}
    imported.write_text(json.dumps(document))

    page.get_by_test_id("import-file").set_input_files(imported)
    expect(name_field).to_have_value(document["name"])
    expect(editor.inspector).to_contain_text("came from a file")

    editor.button("Undo").click()
    expect(name_field).to_have_value("my own graph")
    expect(editor.nodes()).to_have_count(0)
    expect(editor.inspector).not_to_contain_text("came from a file")


def test_what_the_run_would_refuse_is_flagged_while_typing(
    editor: Editor, api_client: httpx.Client, tmp_path: Path
) -> None:
    page = editor.page
    nodes = [
        {"id": "start", "type": "Manual.trigger", "position": {"x": 0, "y": 0}},
        {
            "id": "route",
            "type": "Core.switch",
            "params": {"cases": [{"name": "big", "when": "{{ trigger.total > 100 }}"}]},
            "position": {"x": 320, "y": 0},
        },
        {
            "id": "each",
            "type": "Core.loop",
            "params": {"items": "{{ trigger.rows }}", "node": {"type": "Core.sett", "params": {}}},
            "position": {"x": 320, "y": 250},
        },
    ]
    # A file can hold what the form's pickers cannot produce: a loop body of an unknown type
    imported = tmp_path / "refusals.json"
    imported.write_text(
        json.dumps(_graph("refusals", nodes, [("start", "route"), ("start", "each")]))
    )
    editor.new_graph()
    page.get_by_test_id("import-file").set_input_files(imported)

    # The unknown node type in the loop body is flagged on the field and on the node
    editor.select("each")
    expect(editor.inspector.get_by_role("alert").first).to_contain_text(
        "unknown node type 'Core.sett'"
    )
    expect(editor.node("each")).to_contain_text("1 error")

    # So is a case name that breaks its pattern, as it is typed, before Save
    editor.select("route")
    editor.inspector.locator("#param_cases_0_name").fill("Big Order")
    expect(editor.inspector.get_by_role("alert").first).to_contain_text("cases.0.name")
    expect(editor.node("route")).to_contain_text("1 error")

    # And a credential missing its kind of HTTP authentication is refused when it is stored
    missing = api_client.post(
        "/api/credentials",
        json={
            "name": f"no type {uuid.uuid4().hex[:6]}",
            "kind": "http_auth",
            "data": {"token": "t"},
        },
    )
    assert missing.status_code in (400, 422) and "type" in missing.text

    # And Save refuses exactly that
    editor.button("Save").click()
    expect(page.get_by_test_id("toast").last).to_contain_text("Not saved")
    expect(page.get_by_test_id("dirty-flag")).to_have_text("unsaved")
    assert not any(g["name"].startswith("refusals-") for g in api_client.get("/api/graphs").json())


def test_malformed_json_in_a_json_or_text_field_is_flagged(editor: Editor) -> None:
    editor.new_graph()
    node = editor.drop("Core.set", 400, 250)
    editor.select(node)
    values = editor.inspector.get_by_label("Values")

    values.fill('{"greeting": "Hello {{ trigger.name }}"')
    expect(editor.inspector.get_by_test_id("json-error")).to_contain_text("Not valid JSON")
    expect(values).to_have_attribute("aria-invalid", "true")

    values.fill('{"greeting": "Hello {{ trigger.name }}"}')
    expect(editor.inspector.get_by_test_id("json-error")).to_have_count(0)


# --- trap 9: layout and wording ---------------------------------------------------------------


def _inside(inner: Any, outer: Any) -> bool:
    return (
        inner["x"] >= outer["x"] - 1
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1
    )


def test_switch_cases_stay_inside_the_inspector(editor: Editor, api_client: httpx.Client) -> None:
    page = editor.page
    page.set_viewport_size({"width": 1280, "height": 900})
    cases = [
        {"name": "big_order_from_a_gold_customer", "when": "{{ trigger.total > 100 }}"},
        {"name": "small", "when": "{{ trigger.total < 10 }}"},
    ]
    nodes = [{"id": "route", "type": "Core.switch", "params": {"cases": cases}}]
    graph_id = api_client.post("/api/graphs", json=_graph("cases", nodes, [])).json()["id"]
    editor.open_graph(graph_id)
    editor.select("route")

    panel = editor.inspector.bounding_box()
    for index in range(2):
        for field in ("name", "when"):
            box = editor.inspector.locator(f"#param_cases_{index}_{field}").bounding_box()
            assert box and panel and _inside(box, panel), f"case {index} {field} overflows"
    remove = editor.inspector.locator("#param_cases_1__remove").bounding_box()
    assert remove and panel and _inside(remove, panel)
    assert editor.inspector.evaluate("e => e.scrollWidth <= e.clientWidth")


def test_a_credential_rows_buttons_stay_in_its_card(
    editor: Editor, api_client: httpx.Client
) -> None:
    page = editor.page
    page.set_viewport_size({"width": 1024, "height": 800})
    name = f"a rather long credential name {uuid.uuid4().hex}"
    data = {"type": "bearer", "token": "t"}
    created = api_client.post(
        "/api/credentials", json={"name": name, "kind": "http_auth", "data": data}
    )
    assert created.status_code == 201, created.text
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Credentials").click()

    row = page.get_by_test_id("credential-row").filter(has_text=name)
    card = page.get_by_test_id("credentials-table").bounding_box()
    delete = row.get_by_role("button", name="Delete").bounding_box()
    assert card and delete and _inside(delete, card)
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


def test_the_toolbar_stays_on_one_line_when_a_run_status_appears(
    editor: Editor, api_client: httpx.Client
) -> None:
    page = editor.page
    page.set_viewport_size({"width": 1400, "height": 900})
    graph_id = api_client.post("/api/graphs", json=_start_and_set("toolbar", {"a": 1})).json()["id"]
    editor.open_graph(graph_id)
    editor.button("Run").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-run-status", "succeeded", timeout=30_000
    )

    toolbar = page.get_by_role("toolbar", name="Editor").bounding_box()
    run_button = editor.button("Run").bounding_box()
    assert toolbar and run_button
    assert toolbar["height"] < 2 * run_button["height"], "the toolbar wrapped onto two lines"


def test_auto_layout_puts_an_ifs_true_branch_above_its_false_branch(
    editor: Editor, api_client: httpx.Client
) -> None:
    nodes = [
        {"id": "start", "type": "Manual.trigger"},
        {"id": "check", "type": "Core.if", "params": {"condition": "{{ trigger.ok }}"}},
        {"id": "yes", "type": "Core.set", "params": {"values": {"ok": True}}},
        {"id": "no", "type": "Core.set", "params": {"values": {"ok": False}}},
    ]
    document = _graph("branches", nodes, [("start", "check")])
    document["edges"] += [
        {"source": "check", "sourcePort": "true", "target": "yes", "targetPort": "in"},
        {"source": "check", "sourcePort": "false", "target": "no", "targetPort": "in"},
    ]
    graph_id = api_client.post("/api/graphs", json=document).json()["id"]
    editor.open_graph(graph_id)

    editor.button("Auto-layout").click()

    expect(editor.page.get_by_test_id("dirty-flag")).to_have_text("unsaved")
    yes, no = editor.node("yes").bounding_box(), editor.node("no").bounding_box()
    assert yes and no and yes["y"] < no["y"], "true is laid out above false"


def test_the_read_only_run_view_shows_no_editing_shortcuts(
    editor: Editor, api_client: httpx.Client
) -> None:
    page = editor.page
    graph_id = api_client.post("/api/graphs", json=_start_and_set("shortcuts", {"a": 1})).json()[
        "id"
    ]
    run = api_client.post(f"/api/graphs/{graph_id}/runs", json={"mode": "sync"}).json()

    page.goto(f"{editor.url}/runs/{run['id']}")
    expect(editor.inspector.get_by_role("region", name="Run trace")).to_be_visible()
    expect(editor.inspector.get_by_role("heading", name="Shortcuts")).to_have_count(0)

    editor.open_graph(graph_id)
    expect(editor.inspector.get_by_role("heading", name="Shortcuts")).to_be_visible()


def test_an_agents_run_is_listed_under_the_agents_name(
    editor: Editor, api_client: httpx.Client, live_server: Any
) -> None:
    from tests.e2e.test_platform_pages import _in_own_loop

    page = editor.page
    graph_id = api_client.post("/api/graphs", json=_start_and_set("backing", {"a": 1})).json()["id"]
    agent = f"planner-{uuid.uuid4().hex[:6]}"

    async def attach() -> None:
        from kyra.db.engine import create_engine, create_session_factory
        from kyra.db.models import AiAgent, Graph
        from kyra.settings import get_settings

        engine = create_engine(get_settings().database_url)
        try:
            async with create_session_factory(engine).begin() as session:
                graph = await session.get(Graph, uuid.UUID(graph_id))
                assert graph is not None
                session.add(AiAgent(owner_id=graph.owner_id, name=agent, graph_id=graph.id))
        finally:
            await engine.dispose()

    _in_own_loop(attach)
    api_client.post(f"/api/graphs/{graph_id}/runs", json={"mode": "sync"})

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Runs").click()
    table = page.get_by_test_id("all-runs-table")
    expect(table.get_by_test_id("run-row").first).to_contain_text(agent)


def test_parameter_labels_read_like_words(editor: Editor) -> None:
    editor.new_graph()
    request = editor.drop("HTTP.request", 300, 200)
    editor.select(request)

    for label in ("URL", "Timeout (s)", "Response format", "Follow redirects"):
        name = re.compile(rf"^{re.escape(label)}\*?$")  # a required field's label ends with *
        expect(editor.inspector.get_by_label(name).first).to_be_visible()
    for code_like in ("Url", "Timeout S", "Response Format"):
        expect(editor.inspector.get_by_text(code_like, exact=True)).to_have_count(0)

    hook = editor.drop("Webhook.trigger", 300, 450)
    editor.select(hook)
    expect(editor.inspector.get_by_text("Methods", exact=True)).to_be_visible()
    expect(editor.inspector.get_by_text("Methods-1")).to_have_count(0)


def test_respond_to_webhook_is_not_listed_under_triggers(editor: Editor) -> None:
    editor.new_graph()
    palette = editor.page.get_by_role("complementary", name="Node palette")
    triggers = palette.locator(".palette-group").filter(
        has=editor.page.get_by_role("button", name="Triggers")
    )

    expect(triggers.get_by_test_id("palette-item-Webhook.trigger")).to_be_visible()
    expect(triggers.get_by_test_id("palette-item-Webhook.respond")).to_have_count(0)
