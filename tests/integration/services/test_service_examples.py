"""The service examples in graphs/services/ run against their fakes in sync and in queue mode
(a real worker), with a credential attached to every node: each Airtable, Sheets and S3 node
type runs in a saved graph in both modes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kyra.graph.validate import validate_document
from kyra.registry import default_registry
from tests.fakes.airtable import FakeAirtable
from tests.fakes.oauth import FakeOAuth
from tests.fakes.s3 import FakeS3
from tests.fakes.sheets import FakeSheets
from tests.graphs.test_examples import wait_for_final
from tests.integration.services.conftest import oauth_credential
from tests.integration.services.test_airtable import airtable_credential
from tests.integration.services.test_s3 import s3_credential

EXAMPLES = Path(__file__).resolve().parents[3] / "graphs" / "services"


@pytest.fixture(scope="module")
def fakes(_google_server: FakeOAuth) -> Iterator[dict[str, Any]]:
    started = {"airtable": FakeAirtable().start(), "s3": FakeS3().start(),
               "sheets": FakeSheets(_google_server).start()}  # fmt: skip
    yield started
    for fake in started.values():
        fake.stop()


async def run_example(api: httpx.AsyncClient, name: str, kind: str, credential: str,
                      inputs: dict[str, Any]) -> list[dict[str, Any]]:  # fmt: skip
    document = json.loads((EXAMPLES / f"{name}.json").read_text())
    for node in document["nodes"][1:]:
        node["credentials"] = {kind: credential}
    assert validate_document(document, default_registry()) == []
    created = await api.post("/api/graphs", json=document)
    assert created.status_code == 201, created.text
    runs = []
    for mode in ("sync", "queue"):
        started = await api.post(f"/api/graphs/{created.json()['id']}/runs",
                                 json={"mode": mode, "inputs": inputs})  # fmt: skip
        run = started.json() if mode == "sync" else await wait_for_final(api, started.json()["id"])
        assert run["status"] == "succeeded", [n["error"] for n in run["node_runs"]]
        runs.append(run["output"])
    return runs


async def test_the_airtable_example(api: httpx.AsyncClient, worker: Any, fakes: Any) -> None:
    fake: FakeAirtable = fakes["airtable"]
    fake.table("appEXAMPLE0000001", "Contacts")
    credential = await airtable_credential(api, fake.url)

    outputs = await run_example(api, "airtable", "airtable", credential,
                                {"base_id": "appEXAMPLE0000001", "table": "Contacts"})  # fmt: skip

    assert [o["delete"]["count"] for o in outputs] == [2, 2]
    assert sorted(r["fields"]["Name"] for r in fake.table("appEXAMPLE0000001", "Contacts")) == [
        "Bo", "Bo"]  # fmt: skip


async def test_the_sheets_example(
    api: httpx.AsyncClient, worker: Any, fakes: Any, google_oauth: FakeOAuth
) -> None:
    fake: FakeSheets = fakes["sheets"]
    fake.spreadsheets["book-1"] = {"Sheet1": [["name", "team", "score"], ["Ada", "red", 3]]}
    credential = await oauth_credential(api, google_oauth, "google_sheets", fake.url)

    outputs = await run_example(api, "sheets", "google_sheets", credential,
                                {"spreadsheet_id": "book-1"})  # fmt: skip

    assert outputs[0]["red"] == [
        {"name": "Ada", "team": "red", "score": "4", "_row": 2},
        {"name": "Cy", "team": "red", "score": "7", "_row": 3},
    ]
    assert len(fake.spreadsheets["book-1"]["Sheet1"]) == 6  # header, Ada, two rows per run


async def test_the_s3_example(api: httpx.AsyncClient, worker: Any, fakes: Any) -> None:
    fake: FakeS3 = fakes["s3"]
    fake.buckets["examples"] = {}
    credential = await s3_credential(api, fake.url)

    outputs = await run_example(api, "s3", "s3", credential, {"bucket": "examples"})

    for output in outputs:
        assert (output["get"]["name"], output["get"]["size"]) == ("hello.txt", 15)
        content = await api.get(f"/api/files/{output['get']['$file']}/content")
        assert content.text == "Hello from Kyra"
