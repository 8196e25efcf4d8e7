"""The Airtable, Google Sheets and S3 examples (graphs/services/) through the real processes of
``kyra up`` (uvicorn, a Dramatiq worker) in sync and queue mode, against their local fakes: every
node type of those three services, as a user runs the examples."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT
from tests.fakes.airtable import TOKEN, FakeAirtable
from tests.fakes.oauth import CLIENT_ID, CLIENT_SECRET, FakeOAuth
from tests.fakes.s3 import ACCESS_KEY, REGION, SECRET_KEY, FakeS3
from tests.fakes.sheets import FakeSheets
from tests.system.stack import KyraStack

BASE, TABLE, BOOK, BUCKET = "appEXAMPLE0000001", "Contacts", "book-1", "examples"


@pytest.fixture(scope="module")
def fakes() -> Iterator[dict[str, Any]]:
    google = FakeOAuth("google").start()
    started = {"google": google, "airtable": FakeAirtable().start(), "s3": FakeS3().start(),
               "sheets": FakeSheets(google).start()}  # fmt: skip
    yield started
    for fake in started.values():
        fake.stop()


def credential(client: httpx.Client, kind: str, data: dict[str, str]) -> str:
    body = {"name": f"{kind}-{uuid.uuid4().hex[:6]}", "kind": kind, "data": data}
    created = client.post("/api/credentials", json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def run_example(
    stack: KyraStack, name: str, kind: str, credential_id: str, inputs: dict[str, Any]
) -> list[dict[str, Any]]:
    """The example saved with the credential on every node, run once per mode; the outputs."""
    document = json.loads((ROOT / "graphs" / "services" / f"{name}.json").read_text())
    for node in document["nodes"][1:]:
        node["credentials"] = {kind: credential_id}
    graph = stack.create_graph(document)
    outputs = []
    for mode in ("sync", "queue"):
        run = stack.run(graph, mode, inputs, timeout=120)
        assert run["status"] == "succeeded", [n["error"] for n in run["node_runs"]]
        outputs.append(run["output"])
    return outputs


def test_the_airtable_example(kyra_stack: KyraStack, fakes: dict[str, Any]) -> None:
    fakes["airtable"].table(BASE, TABLE)
    token = credential(kyra_stack.client, "airtable",
                       {"access_token": TOKEN, "base_url": fakes["airtable"].url})  # fmt: skip

    outputs = run_example(kyra_stack, "airtable", "airtable", token,
                          {"base_id": BASE, "table": TABLE})  # fmt: skip

    assert [o["delete"]["count"] for o in outputs] == [2, 2]
    assert sorted(r["fields"]["Name"] for r in fakes["airtable"].table(BASE, TABLE)) == ["Bo", "Bo"]


def test_the_sheets_example(kyra_stack: KyraStack, fakes: dict[str, Any]) -> None:
    google = fakes["google"]
    provider = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                "authorize_url": google.authorize_url, "token_url": google.token_url}  # fmt: skip
    assert kyra_stack.client.put("/api/oauth/providers/google", json=provider).status_code == 200
    fakes["sheets"].spreadsheets[BOOK] = {"Sheet1": [["name", "team", "score"], ["Ada", "red", 3]]}
    tokens = google.issue()
    connected = credential(kyra_stack.client, "google_sheets", {
        "access_token": tokens["access_token"], "refresh_token": tokens["refresh_token"],
        "expires_at": str(int(time.time()) + 3600), "base_url": fakes["sheets"].url})  # fmt: skip

    try:
        outputs = run_example(kyra_stack, "sheets", "google_sheets", connected,
                              {"spreadsheet_id": BOOK})  # fmt: skip
    finally:  # the stack is shared: leave Google's client to the tests that set their own
        kyra_stack.client.delete("/api/oauth/providers/google")

    assert outputs[0]["red"] == [
        {"name": "Ada", "team": "red", "score": "4", "_row": 2},
        {"name": "Cy", "team": "red", "score": "7", "_row": 3},
    ]
    assert len(fakes["sheets"].spreadsheets[BOOK]["Sheet1"]) == 6  # header, Ada, two rows a run


def test_the_s3_example(kyra_stack: KyraStack, fakes: dict[str, Any]) -> None:
    fakes["s3"].buckets[BUCKET] = {}
    keys = credential(kyra_stack.client, "s3", {
        "access_key_id": ACCESS_KEY, "secret_access_key": SECRET_KEY, "region": REGION,
        "base_url": fakes["s3"].url})  # fmt: skip

    outputs = run_example(kyra_stack, "s3", "s3", keys, {"bucket": BUCKET})

    for output in outputs:
        assert (output["get"]["name"], output["get"]["size"]) == ("hello.txt", 15)
        content = kyra_stack.client.get(f"/api/files/{output['get']['$file']}/content")
        assert content.text == "Hello from Kyra"
