"""Journey: a node that requires approval pauses the run in the editor until it is approved."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import RUN_TIMEOUT_MS

from .conftest import Editor

pytestmark = pytest.mark.e2e


def test_a_node_requiring_approval_is_approved_from_the_editor(
    editor: Editor, api_client: httpx.Client
) -> None:
    page = editor.page
    editor.new_graph()

    # Given a node marked "requires approval" in the inspector
    start = editor.drop("Manual.trigger", 120, 220)
    pay = editor.drop("Core.set", 470, 220)
    editor.connect(start, "out", pay, "in")
    editor.select(pay)
    editor.inspector.get_by_label("Values").fill('{"paid": true}')
    editor.inspector.get_by_label("Requires approval").check()
    graph_id = editor.save()
    node = api_client.get(f"/api/graphs/{graph_id}").json()["document"]["nodes"][1]
    assert node["settings"] == {"requires_approval": True}

    # When it runs, the run pauses and the inspector shows what waits for a decision
    editor.button("Run").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-run-status", "paused", timeout=RUN_TIMEOUT_MS
    )
    approval = page.get_by_test_id("approval-panel")
    expect(approval).to_contain_text(pay)

    # When it is approved with a comment, the node runs and the run succeeds
    approval.get_by_label("Comment").fill(f"ok {uuid.uuid4().hex[:4]}")
    approval.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-run-status", "succeeded", timeout=RUN_TIMEOUT_MS
    )
    expect(editor.node(pay).locator("[data-status]")).to_have_attribute("data-status", "succeeded")
    expect(page.get_by_test_id("approval-panel")).to_have_count(0)
