"""Journey: the runs list (executions) filtered by status, trigger, graph, dates and run id, with
retry and "open in editor"."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from .conftest import Editor

pytestmark = pytest.mark.e2e


def _graph(api_client: httpx.Client, values: Any) -> str:
    document = {
        "schema": "kyra.graph/1",
        "name": f"exec-{uuid.uuid4().hex[:6]}",
        "nodes": [
            {"id": "start", "type": "Manual.trigger", "position": {"x": 0, "y": 0}},
            {"id": "shape", "type": "Core.set", "params": {"values": values},
             "position": {"x": 400, "y": 0}},
        ],
        "edges": [{"source": "start", "sourcePort": "out", "target": "shape", "targetPort": "in"}],
    }  # fmt: skip
    return str(api_client.post("/api/graphs", json=document).json()["id"])


def test_runs_are_filtered_retried_and_opened_in_the_editor(
    editor: Editor, api_client: httpx.Client
) -> None:
    page = editor.page
    good = _graph(api_client, {"n": "{{ trigger.n }}"})
    bad = _graph(api_client, {"n": "{{ trigger.missing.deeper }}"})
    ok = api_client.post(f"/api/graphs/{good}/runs", json={"mode": "sync", "inputs": {"n": 7}})
    failed = api_client.post(f"/api/graphs/{bad}/runs", json={"mode": "sync"}).json()
    ok_run = ok.json()
    assert (ok_run["status"], failed["status"]) == ("succeeded", "failed")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Runs").click()
    table = page.get_by_test_id("all-runs-table")
    bar = page.get_by_role("search", name="Filter runs")
    rows = table.get_by_test_id("run-row")

    # Status and graph narrow the list (and the address keeps the filters)
    bar.get_by_label("failed").check()
    bar.get_by_label("Graph").select_option(bad)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(failed["id"][:8])
    assert "status=failed" in page.url

    # A run id, a trigger kind, and dates (none tomorrow)
    bar.get_by_role("button", name="Clear filters").click()
    bar.get_by_label("Search run id").fill(ok_run["id"][:8])
    expect(rows).to_have_count(1)
    bar.get_by_label("Trigger").select_option("webhook")
    expect(page.get_by_text("No run matches these filters.")).to_be_visible()
    bar.get_by_label("Trigger").select_option("manual")
    expect(rows).to_have_count(1)
    bar.get_by_label("From").fill((date.today() + timedelta(days=1)).isoformat())
    expect(rows).to_have_count(0)

    # Retry a failed run: a new run starts from the node that failed
    bar.get_by_role("button", name="Clear filters").click()
    bar.get_by_label("Graph").select_option(bad)
    rows.first.get_by_role("button", name=re.compile("^Retry")).click()
    expect(page.get_by_test_id("run-status")).to_be_visible()
    assert failed["id"] not in page.url and "/runs/" in page.url

    # Open in editor: the run's results on the canvas, its payload as the test payload
    page.goto(f"{editor.url}/runs?graph={good}")
    rows.first.get_by_role("link", name="Open in editor").click()
    editor.wait_for_canvas()
    expect(editor.node("shape").locator("[data-status]")).to_have_attribute(
        "data-status", "succeeded"
    )
    expect(editor.node("start").locator("[data-pinned]")).to_be_visible()
    editor.button("Payload").click()
    expect(page.get_by_role("dialog", name="Trigger payload")).to_contain_text('"n": 7')
