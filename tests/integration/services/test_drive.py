"""The Google Drive nodes against a fake Drive API v3: the exact requests (search terms quoted,
partial-response fields), multipart uploads up to 5 MB and resumable ones above (resumed where
Google stopped after a failed attempt), streamed downloads and exports, and the changes trigger
polled from a stored page token."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from kyra.registry import default_registry
from kyra_nodes.drive._drive import FILE_FIELDS
from tests.fakes.drive import FOLDER, ROOT, FakeDrive, drive_error
from tests.fakes.oauth import FakeOAuth
from tests.integration.services.conftest import oauth_credential, run_node
from tests.integration.services.test_gmail_trigger import finished_runs, poll, polls_of

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def _drive_server(_google_server: FakeOAuth) -> Iterator[FakeDrive]:
    fake = FakeDrive(_google_server).start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_drive(_drive_server: FakeDrive, google_oauth: FakeOAuth) -> FakeDrive:
    _drive_server.reset()
    return _drive_server


@pytest.fixture
async def credential(api: httpx.AsyncClient, google_oauth: FakeOAuth, fake_drive: FakeDrive) -> str:
    return await oauth_credential(api, google_oauth, "google_drive", fake_drive.url)


def node(type_: str, credential: str, **params: Any) -> dict[str, Any]:
    return {"type": f"Drive.{type_}", "params": params,
            "credentials": {"google_drive": credential}}  # fmt: skip


async def upload(api: httpx.AsyncClient, name: str, data: bytes) -> dict[str, Any]:
    stored = await api.post("/api/files", params={"name": name}, content=data)
    assert stored.status_code == 201, stored.text
    return dict(stored.json())


def pattern(size: int) -> bytes:
    return (bytes(range(256)) * (size // 256 + 1))[:size]


async def test_list_files_sends_a_quoted_search_and_follows_pages_up_to_the_limit(
    api: httpx.AsyncClient, fake_drive: FakeDrive, credential: str
) -> None:
    folder = fake_drive.add("Reports", mime=FOLDER)
    for n in range(3):
        fake_drive.add(f"it's {n}.csv", b"a,b", mime="text/csv", parents=[folder["id"]])
    fake_drive.add("elsewhere.csv", b"x", mime="text/csv")

    found = await run_node(api, node("list_files", credential, folder_id=folder["id"],
                                     name_contains="it's", order_by="name", limit=2))  # fmt: skip

    assert found["status"] == "succeeded", found["error"]
    [listing] = fake_drive.requests
    assert (listing.method, listing.path) == ("GET", "/drive/v3/files")
    assert listing.query == {
        "pageSize": "2", "orderBy": "name", "fields": f"nextPageToken,files({FILE_FIELDS})",
        "includeItemsFromAllDrives": "true", "supportsAllDrives": "true",
        "q": f"trashed = false and '{folder['id']}' in parents and name contains 'it\\'s'",
    }  # fmt: skip
    out = found["output"]["out"]
    assert out["count"] == 2
    first = out["files"][0]
    assert first | {"id": "-", "created_time": "-", "modified_time": "-", "web_view_link": "-"} == {
        "id": "-", "name": "it's 0.csv", "mime_type": "text/csv", "is_folder": False, "size": 3,
        "created_time": "-", "modified_time": "-", "parents": [folder["id"]],
        "web_view_link": "-", "md5": hashlib.md5(b"a,b").hexdigest(), "version": "1",
    }  # fmt: skip

    for n in range(1001):
        fake_drive.add(f"bulk {n:04}.txt")
    fake_drive.reset_requests()
    many = await run_node(api, node("list_files", credential, mime_type="text/plain", limit=1001))
    assert many["output"]["out"]["count"] == 1001
    assert [r.query.get("pageToken") for r in fake_drive.requests] == [None, "1000"]
    assert fake_drive.requests[0].query["pageSize"] == "1000"


async def test_a_search_drive_does_not_understand_fails_with_its_words_once(
    api: httpx.AsyncClient, fake_drive: FakeDrive, credential: str
) -> None:
    refused = await run_node(api, node("list_files", credential, query="starred = maybe"))

    assert refused["status"] == "failed"
    assert refused["error"]["message"] == "Google Drive files.list failed: 400 Invalid Value"
    assert refused["attempt"] == 1
    assert fake_drive.requests[0].query["q"] == "trashed = false and (starred = maybe)"


async def test_create_folder_then_upload_a_text_into_it_with_one_multipart_request(
    api: httpx.AsyncClient, fake_drive: FakeDrive, credential: str
) -> None:
    folder = await run_node(api, node("create_folder", credential, name="Out ✓"))
    folder_id = folder["output"]["out"]["id"]
    uploaded = await run_node(api, node("upload_file", credential, name="note.txt",
                                        folder_id=folder_id, content="Hola ñ"))  # fmt: skip

    create, send = fake_drive.requests
    assert (create.method, create.path) == ("POST", "/drive/v3/files")
    assert create.body == {"name": "Out ✓", "mimeType": FOLDER}
    assert create.query == {"fields": FILE_FIELDS, "supportsAllDrives": "true"}
    assert folder["output"]["out"]["is_folder"] and folder["output"]["out"]["parents"] == [ROOT]

    assert (send.method, send.path) == ("POST", "/upload/drive/v3/files")
    assert send.query == {"uploadType": "multipart", "fields": FILE_FIELDS,
                          "supportsAllDrives": "true"}  # fmt: skip
    boundary = re.fullmatch(r"multipart/related; boundary=(\w+)", send.headers["content-type"])
    assert boundary is not None
    metadata = {"name": "note.txt", "mimeType": "text/plain", "parents": [folder_id]}
    assert (
        send.raw
        == (
            f"--{boundary[1]}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n"
            f"{json.dumps(metadata)}\r\n--{boundary[1]}\r\nContent-Type: text/plain\r\n\r\n"
            f"Hola ñ\r\n--{boundary[1]}--\r\n"
        ).encode()
    )
    assert send.headers["content-length"] == str(len(send.raw))
    out = uploaded["output"]["out"]
    assert (out["name"], out["size"], out["parents"]) == ("note.txt", 7, [folder_id])
    assert fake_drive.contents[out["id"]] == "Hola ñ".encode()


async def test_a_large_file_goes_up_resumably_in_chunks_of_8_mib(
    api: httpx.AsyncClient, fake_drive: FakeDrive, credential: str
) -> None:
    data = pattern(9 * MIB + 5)
    ref = await upload(api, "big.bin", data)

    result = await run_node(api, node("upload_file", credential, file=ref))

    assert result["status"] == "succeeded", result["error"]
    start, first, last = fake_drive.requests
    assert (start.method, start.path, start.query) == (
        "POST", "/upload/drive/v3/files",
        {"uploadType": "resumable", "fields": FILE_FIELDS, "supportsAllDrives": "true"},
    )  # fmt: skip
    assert start.body == {"name": "big.bin", "mimeType": "application/octet-stream"}
    assert start.headers["x-upload-content-type"] == "application/octet-stream"
    assert start.headers["x-upload-content-length"] == str(len(data))
    for chunk, (begin, end) in ((first, (0, 8 * MIB - 1)), (last, (8 * MIB, len(data) - 1))):
        assert (chunk.method, chunk.path) == ("PUT", "/upload/drive/v3/files")
        assert chunk.query["uploadType"] == "resumable" and chunk.query["upload_id"]
        assert chunk.headers["content-range"] == f"bytes {begin}-{end}/{len(data)}"
        assert chunk.headers["content-length"] == str(end - begin + 1)
        assert chunk.headers["authorization"].startswith("Bearer ")
    out = result["output"]["out"]
    assert (out["name"], out["size"]) == ("big.bin", len(data))
    assert fake_drive.contents[out["id"]] == data


@pytest.mark.parametrize("received", [False, True], ids=["chunk lost", "answer lost"])
async def test_a_failed_chunk_resumes_where_google_stopped_in_the_next_attempt(
    api: httpx.AsyncClient, fake_drive: FakeDrive, credential: str, received: bool
) -> None:
    data = pattern(17 * MIB)
    ref = await upload(api, "video.mp4", data)
    fake_drive.fail(
        lambda r: r.headers.get("content-range", "").startswith(f"bytes {8 * MIB}-"),
        drive_error(503, "Backend Error", "backendError"),
        after=received,
    )

    result = await run_node(api, node("upload_file", credential, file=ref, name="clip.mp4"))

    assert result["status"] == "succeeded", result["error"]
    assert result["attempt"] == 2
    ranges = [r.headers.get("content-range") for r in fake_drive.requests]
    total = len(data)
    expected = [None, f"bytes 0-{8 * MIB - 1}/{total}", f"bytes {8 * MIB}-{16 * MIB - 1}/{total}",
                f"bytes */{total}"]  # fmt: skip
    if not received:  # Google kept the first chunk only: send the second again
        expected.append(f"bytes {8 * MIB}-{16 * MIB - 1}/{total}")
    expected.append(f"bytes {16 * MIB}-{total - 1}/{total}")
    assert ranges == expected
    assert len(fake_drive.sessions) == 1  # one session, continued
    [stored] = [f for f in fake_drive.files.values() if f["name"] == "clip.mp4"]
    assert fake_drive.contents[stored["id"]] == data
    assert result["output"]["out"]["id"] == stored["id"]


async def test_download_streams_files_and_exports_google_docs(
    api: httpx.AsyncClient, fake_drive: FakeDrive, credential: str
) -> None:
    picture = fake_drive.add("photo.png", b"\x89PNG-bytes", mime="image/png")
    doc = fake_drive.add("Plan", mime="application/vnd.google-apps.document")
    folder = fake_drive.add("Stuff", mime=FOLDER)

    got = await run_node(api, node("download_file", credential, file_id=picture["id"]))
    exported = await run_node(api, node("download_file", credential, file_id=doc["id"],
                                        export_as="text/plain"))  # fmt: skip
    refused = await run_node(api, node("download_file", credential, file_id=folder["id"]))
    missing = await run_node(api, node("download_file", credential, file_id="nope"))

    meta, media = fake_drive.requests[:2]
    assert (meta.path, meta.query) == (
        f"/drive/v3/files/{picture['id']}",
        {"fields": "id,name,mimeType", "supportsAllDrives": "true"},
    )
    assert (media.path, media.query) == (
        f"/drive/v3/files/{picture['id']}",
        {"alt": "media", "supportsAllDrives": "true"},
    )
    ref = got["output"]["out"]
    assert (ref["name"], ref["mime"], ref["size"]) == ("photo.png", "image/png", 10)
    assert (await api.get(f"/api/files/{ref['$file']}/content")).content == b"\x89PNG-bytes"

    export = fake_drive.requests[3]
    assert (export.path, export.query) == (f"/drive/v3/files/{doc['id']}/export",
                                           {"mimeType": "text/plain"})  # fmt: skip
    text = exported["output"]["out"]
    assert (text["name"], text["mime"]) == ("Plan.txt", "text/plain")
    assert refused["error"]["message"] == (
        "file_id: 'Stuff' is a folder; list its files with Drive.list_files"
    )
    assert missing["error"]["message"] == "Google Drive files.get failed: 404 File not found: nope."
    assert missing["attempt"] == 1


@pytest.fixture
async def watching(api: httpx.AsyncClient) -> AsyncIterator[list[str]]:
    created: list[str] = []
    yield created
    for graph_id in created:
        await api.delete(f"/api/graphs/{graph_id}")


async def watching_graph(api: httpx.AsyncClient, credential: str, created: list[str],
                         **params: Any) -> str:  # fmt: skip
    seen = {"name": "{{ trigger.name }}", "event": "{{ trigger.event }}"}
    document = {
        "schema": "kyra.graph/1", "name": f"drive-{uuid.uuid4().hex[:8]}",
        "nodes": [
            {"id": "files", "type": "Drive.trigger", "credentials": {"google_drive": credential},
             "params": {"poll_seconds": 30, **params}},
            {"id": "seen", "type": "Core.set", "params": {"values": seen}},
        ],
        "edges": [{"source": "files", "target": "seen"}],
    }  # fmt: skip
    answer = await api.post("/api/graphs", json=document)
    assert answer.status_code == 201, answer.text
    created.append(answer.json()["id"])
    return str(answer.json()["id"])


async def test_the_trigger_starts_a_run_per_new_or_changed_file_from_a_page_token(
    api: httpx.AsyncClient, fake_drive: FakeDrive, credential: str, services: Any, worker: Any,
    watching: list[str],
) -> None:  # fmt: skip
    old = fake_drive.add("old.txt", b"v1")
    graph_id = await watching_graph(api, credential, watching)

    assert await poll(services, after_s=0) == 0  # the first poll only notes where "now" is
    [start] = fake_drive.requests
    assert (start.path, start.query) == ("/drive/v3/changes/startPageToken",
                                         {"supportsAllDrives": "true"})  # fmt: skip
    token = str(fake_drive.changes[-1][0] + 1)  # what the first poll was given
    fake_drive.add("new.txt", b"hello")
    fake_drive.change(old["id"], b"v2")
    fake_drive.change(old["id"], b"v3")  # twice: Drive lists the file once
    fake_drive.add("Archive", mime=FOLDER)  # folders are left out by default
    fake_drive.reset_requests()

    assert await poll(services, after_s=31) == 2
    assert await poll(services, after_s=62) == 0

    listing = fake_drive.requests[0]
    assert listing.path == "/drive/v3/changes"
    assert listing.query == {
        "pageToken": token, "pageSize": "100", "includeRemoved": "false", "spaces": "drive",
        "includeItemsFromAllDrives": "true", "supportsAllDrives": "true",
        "fields": "nextPageToken,newStartPageToken,changes(fileId,removed,time,"
        f"file({FILE_FIELDS}))",
    }  # fmt: skip
    runs = await finished_runs(api, graph_id)
    assert sorted(
        (r["trigger_kind"], r["output"]["seen"]["name"], r["output"]["seen"]["event"]) for r in runs
    ) == [("poll", "new.txt", "created"), ("poll", "old.txt", "updated")]
    state = await polls_of(api, graph_id)
    assert (state["runs_started"], state["last_error"]) == (2, None)


async def test_the_trigger_keeps_to_its_folder_and_event(
    api: httpx.AsyncClient, fake_drive: FakeDrive, credential: str, services: Any, worker: Any,
    watching: list[str],
) -> None:  # fmt: skip
    inbox = fake_drive.add("Inbox", mime=FOLDER)
    known = fake_drive.add("known.txt", parents=[inbox["id"]])
    graph_id = await watching_graph(api, credential, watching, folder_id=inbox["id"],
                                    event="created")  # fmt: skip
    await poll(services, after_s=0)
    fake_drive.add("outside.txt")
    fake_drive.change(known["id"], b"edited")
    fake_drive.add("inside.txt", parents=[inbox["id"]])

    assert await poll(services, after_s=31) == 1
    [run] = await finished_runs(api, graph_id)
    assert run["output"]["seen"] == {"name": "inside.txt", "event": "created"}


def test_every_drive_node_is_an_agent_tool_but_the_trigger() -> None:
    tools = {t["function"]["name"] for t in default_registry().tool_definitions()}
    assert {"Drive__list_files", "Drive__upload_file", "Drive__download_file",
            "Drive__create_folder"} <= tools  # fmt: skip
    assert "Drive__trigger" not in tools
