"""The service examples in graphs/services/ run against their fakes in sync and in queue mode
(a real worker), with a credential attached to every node: each Airtable, Sheets, S3, Drive and
Dropbox node type runs in a saved graph in both modes (Drive.trigger by hand and by a poll), and
the RSS digest reads a local fake feed."""

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
from tests.fakes.drive import FakeDrive
from tests.fakes.dropbox import FakeDropbox
from tests.fakes.feed import FakeFeed
from tests.fakes.oauth import FakeOAuth
from tests.fakes.s3 import FakeS3
from tests.fakes.sheets import FakeSheets
from tests.graphs.test_examples import wait_for_final
from tests.integration.services.conftest import oauth_credential
from tests.integration.services.test_airtable import airtable_credential
from tests.integration.services.test_dropbox import dropbox_credential
from tests.integration.services.test_gmail_trigger import poll
from tests.integration.services.test_s3 import s3_credential

EXAMPLES = Path(__file__).resolve().parents[3] / "graphs" / "services"


@pytest.fixture(scope="module")
def fakes(_google_server: FakeOAuth, _dropbox_oauth_server: FakeOAuth) -> Iterator[dict[str, Any]]:
    started = {"airtable": FakeAirtable().start(), "s3": FakeS3().start(),
               "sheets": FakeSheets(_google_server).start(),
               "drive": FakeDrive(_google_server).start(),
               "dropbox": FakeDropbox(_dropbox_oauth_server).start()}  # fmt: skip
    yield started
    for fake in started.values():
        fake.stop()


def example(name: str, credentials: dict[str, str]) -> dict[str, Any]:
    """An example with the credential of each kind (kind → id) attached to the nodes using it."""
    registry = default_registry()
    document: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    for node in document["nodes"]:
        kinds = {ref.kind for ref in registry.get(node["type"]).credentials}  # type: ignore[union-attr]
        node["credentials"] = {k: v for k, v in credentials.items() if k in kinds}
    assert validate_document(document, registry) == []
    return document


async def run_example(api: httpx.AsyncClient, name: str, kind: str, credential: str,
                      inputs: dict[str, Any]) -> list[dict[str, Any]]:  # fmt: skip
    created = await api.post("/api/graphs", json=example(name, {kind: credential}))
    assert created.status_code == 201, created.text
    runs = []
    for mode in ("sync", "queue"):
        started = await api.post(f"/api/graphs/{created.json()['id']}/runs",
                                 json={"mode": mode, "inputs": inputs})  # fmt: skip
        run = started.json() if mode == "sync" else await wait_for_final(api, started.json()["id"])
        assert run["status"] == "succeeded", [n["error"] for n in run["node_runs"]]
        runs.append(run["output"])
    return runs


RSS_DIGEST = {
    "feed": "Kyra Test News",
    "headlines": ["Python 3.14 released", "Python packaging survey"],
}


async def test_the_rss_example(api: httpx.AsyncClient, worker: Any) -> None:
    site = FakeFeed().start()
    try:  # RSS.read takes no credential
        outputs = await run_example(api, "rss", "", "", {"feed_url": f"{site.url}/rss.xml"})
    finally:
        site.stop()

    for output in outputs:
        assert output["digest"] == {
            **RSS_DIGEST, "links": [f"{site.url}/news-4", f"{site.url}/news-1"]}  # fmt: skip
    assert [r.headers["accept"].split(",")[0] for r in site.requests] == ["application/rss+xml"] * 2


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


async def test_the_drive_example(
    api: httpx.AsyncClient, worker: Any, fakes: Any, google_oauth: FakeOAuth
) -> None:
    fake: FakeDrive = fakes["drive"]
    fake.reset()
    credential = await oauth_credential(api, google_oauth, "google_drive", fake.url)

    outputs = await run_example(api, "drive", "google_drive", credential, {"folder": "Out"})

    folders = [f["id"] for f in fake.files.values() if f["name"] == "Out"]
    uploaded = [f["parents"] for f in fake.files.values() if f["name"] == "hello.txt"]
    assert len(folders) == 2 and uploaded == [[folders[0]], [folders[1]]]  # one per run
    for output in outputs:
        assert (output["download"]["name"], output["download"]["size"]) == ("hello.txt", 15)
        content = await api.get(f"/api/files/{output['download']['$file']}/content")
        assert content.text == "Hello from Kyra"


async def test_the_dropbox_example(
    api: httpx.AsyncClient, worker: Any, fakes: Any, dropbox_oauth: FakeOAuth
) -> None:
    fake: FakeDropbox = fakes["dropbox"]
    fake.reset()
    credential = await dropbox_credential(api, dropbox_oauth, fake)

    outputs = await run_example(api, "dropbox", "dropbox", credential, {"folder": "/Out"})

    for output in outputs:
        assert output["download"]["name"] == "hello.txt"
        content = await api.get(f"/api/files/{output['download']['$file']}/content")
        assert content.text == "Hello from Kyra"
    assert fake.file("/out/hello.txt") == b"Hello from Kyra"
    assert [e["path_display"] for e in fake.entries.values()] == ["/Out", "/Out/hello.txt"]


async def test_new_drive_files_are_backed_up_to_dropbox_by_hand_and_by_a_poll(
    api: httpx.AsyncClient, worker: Any, fakes: Any, services: Any, google_oauth: FakeOAuth,
    dropbox_oauth: FakeOAuth,
) -> None:  # fmt: skip
    drive: FakeDrive = fakes["drive"]
    dropbox: FakeDropbox = fakes["dropbox"]
    drive.reset()
    dropbox.reset()
    credentials = {
        "google_drive": await oauth_credential(api, google_oauth, "google_drive", drive.url),
        "dropbox": await dropbox_credential(api, dropbox_oauth, dropbox),
    }
    created = await api.post("/api/graphs", json=example("drive_to_dropbox", credentials))
    assert created.status_code == 201, created.text
    graph_id = created.json()["id"]
    try:
        sheet = drive.add("budget.csv", b"a,b\n1,2\n", mime="text/csv")
        for mode in ("sync", "queue"):
            body = {"mode": mode, "inputs": {"id": sheet["id"]}}
            started = await api.post(f"/api/graphs/{graph_id}/runs", json=body)
            run = (
                started.json()
                if mode == "sync"
                else await wait_for_final(api, started.json()["id"])
            )
            assert run["status"] == "succeeded", [n["error"] for n in run["node_runs"]]
        await poll(services, after_s=0)
        drive.add("Plan", mime="application/vnd.google-apps.document")
        assert await poll(services, after_s=61) == 1
        [polled] = [r for r in (await api.get(f"/api/graphs/{graph_id}/runs")).json()
                    if r["trigger_kind"] == "poll"]  # fmt: skip
        assert (await wait_for_final(api, polled["id"]))["status"] == "succeeded"
    finally:
        await api.delete(f"/api/graphs/{graph_id}")

    assert dropbox.file("/drive backup/budget.csv") == b"a,b\n1,2\n"
    assert dropbox.file("/drive backup/plan.pdf") == b"Plan exported as application/pdf"
