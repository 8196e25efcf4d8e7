"""Journey: a node that stores a file shows a download in the run view, with the file's bytes."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import RUN_TIMEOUT_MS

from .conftest import Editor

pytestmark = pytest.mark.e2e


def test_a_file_made_by_a_node_downloads_from_the_run_view(
    editor: Editor, api_client: httpx.Client
) -> None:
    document = {
        "schema": "kyra.graph/1",
        "name": f"csv-file-{uuid.uuid4().hex[:6]}",
        "nodes": [
            {"id": "start", "type": "Manual.trigger", "position": {"x": 0, "y": 0}},
            {"id": "csv", "type": "CSV.build", "position": {"x": 300, "y": 0},
             "params": {"items": [{"név": "Ödön"}], "output": "file", "file_name": "people.csv"}},
        ],
        "edges": [{"source": "start", "sourcePort": "out", "target": "csv", "targetPort": "in"}],
    }  # fmt: skip
    created = api_client.post("/api/graphs", json=document)
    assert created.status_code == 201, created.text
    editor.open_graph(created.json()["id"])

    editor.button("Run").click()
    page = editor.page
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-run-status", "succeeded", timeout=RUN_TIMEOUT_MS
    )
    editor.select("csv")
    files = page.get_by_test_id("result-files")
    expect(files).to_contain_text("text/csv, 14 B")
    with page.expect_download() as download:
        files.get_by_role("button", name="Download people.csv").click()
    assert download.value.suggested_filename == "people.csv"
    assert Path(download.value.path()).read_bytes() == "név\r\nÖdön\r\n".encode()
