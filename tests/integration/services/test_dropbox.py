"""The Dropbox nodes against a fake Dropbox API v2 on its two hosts: metadata calls on the API
host, content on the content host (each with its own URL override), the exact
``Dropbox-API-Arg`` headers, upload sessions above 8 MiB resumed after a failed attempt, cursor
pagination and Dropbox's error summaries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from kyra.registry import default_registry
from tests.fakes.dropbox import FakeDropbox, content_hash
from tests.fakes.oauth import FakeOAuth
from tests.fakes.server import Response
from tests.integration.services.conftest import oauth_credential, one_node_graph, run_node

MIB = 1024 * 1024


@pytest.fixture(scope="session")
def _dropbox_server(_dropbox_oauth_server: FakeOAuth) -> Iterator[FakeDropbox]:
    fake = FakeDropbox(_dropbox_oauth_server).start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_dropbox(_dropbox_server: FakeDropbox, dropbox_oauth: FakeOAuth) -> FakeDropbox:
    _dropbox_server.reset()
    return _dropbox_server


async def dropbox_credential(api: httpx.AsyncClient, oauth: FakeOAuth, fake: FakeDropbox) -> str:
    return await oauth_credential(api, oauth, "dropbox", fake.url, content_url=fake.content.url)


@pytest.fixture
async def credential(
    api: httpx.AsyncClient, dropbox_oauth: FakeOAuth, fake_dropbox: FakeDropbox
) -> str:
    return await dropbox_credential(api, dropbox_oauth, fake_dropbox)


def node(type_: str, credential: str, **params: Any) -> dict[str, Any]:
    return {"type": f"Dropbox.{type_}", "params": params, "credentials": {"dropbox": credential}}


def arg(recorded: Any) -> Any:
    return json.loads(recorded.headers["dropbox-api-arg"])


def pattern(size: int) -> bytes:
    return (bytes(range(256)) * (size // 256 + 1))[:size]


async def test_the_kind_has_an_override_per_host_and_its_test_names_the_account(
    api: httpx.AsyncClient, fake_dropbox: FakeDropbox, credential: str
) -> None:
    kinds = {k["name"]: k for k in (await api.get("/api/credentials/kinds")).json()}
    dropbox = kinds["dropbox"]
    assert dropbox["oauth2"]["provider"] == "dropbox"
    assert dropbox["hosts"] == {"content": "https://content.dropboxapi.com"}
    urls = {f["name"]: f["label"] for f in dropbox["fields"] if f["type"] == "url"}
    assert urls == {"base_url": "Service URL", "content_url": "Content service URL"}

    tested = await api.post(f"/api/credentials/{credential}/test")

    assert tested.json() == {"ok": True, "message": "connected to Dropbox as ada@example.com",
                             "account": "ada@example.com", "status": 200}  # fmt: skip
    [call] = fake_dropbox.requests
    assert (call.method, call.path, call.raw) == ("POST", "/2/users/get_current_account", b"")
    assert fake_dropbox.content.requests == []


async def test_a_small_upload_is_one_call_to_the_content_host_with_an_ascii_argument(
    api: httpx.AsyncClient, fake_dropbox: FakeDropbox, credential: str
) -> None:
    result = await run_node(api, node("upload_file", credential, path="/Café/naïve.txt",
                                      content="Hola ñ"))  # fmt: skip

    assert result["status"] == "succeeded", result["error"]
    assert fake_dropbox.requests == []
    [upload] = fake_dropbox.content.requests
    assert (upload.method, upload.path) == ("POST", "/2/files/upload")
    assert upload.headers["dropbox-api-arg"] == (
        '{"path":"/Caf\\u00e9/na\\u00efve.txt","mode":"add","autorename":false,"mute":false,'
        '"strict_conflict":false}'
    )
    assert upload.headers["content-type"] == "application/octet-stream"
    assert upload.headers["authorization"].startswith("Bearer ")
    assert upload.raw == "Hola ñ".encode()
    out = result["output"]["out"]
    assert out | {"id": "-", "rev": "-", "modified": "-", "client_modified": "-"} == {
        "type": "file", "id": "-", "name": "naïve.txt", "path": "/Café/naïve.txt",
        "path_lower": "/café/naïve.txt", "size": 7, "modified": "-", "client_modified": "-",
        "rev": "-", "content_hash": content_hash("Hola ñ".encode()),
    }  # fmt: skip


async def test_a_conflict_fails_once_with_dropbox_words_unless_renamed_or_overwritten(
    api: httpx.AsyncClient, fake_dropbox: FakeDropbox, credential: str
) -> None:
    fake_dropbox.put("/Reports/may.csv", b"old")
    stored = await api.post("/api/files", params={"name": "may.csv"}, content=b"a,b\n1,2\n")
    ref = stored.json()

    conflict = await run_node(api, node("upload_file", credential, path="/Reports/", file=ref))
    renamed = await run_node(api, node("upload_file", credential, path="/Reports/", file=ref,
                                       autorename=True))  # fmt: skip
    replaced = await run_node(api, node("upload_file", credential, path="/reports/MAY.csv",
                                        file=ref, mode="overwrite"))  # fmt: skip

    assert conflict["status"] == "failed" and conflict["attempt"] == 1
    assert conflict["error"]["message"] == "Dropbox files/upload failed: 409 path/conflict/file"
    assert arg(fake_dropbox.content.requests[0])["path"] == "/Reports/may.csv"
    assert renamed["output"]["out"]["path"] == "/Reports/may (1).csv"
    assert replaced["output"]["out"]["size"] == 8
    assert fake_dropbox.file("/reports/may.csv") == b"a,b\n1,2\n"


async def test_a_large_file_goes_up_in_an_upload_session(
    api: httpx.AsyncClient, fake_dropbox: FakeDropbox, credential: str
) -> None:
    data = pattern(17 * MIB)
    ref = (await api.post("/api/files", params={"name": "film.mp4"}, content=data)).json()

    result = await run_node(api, node("upload_file", credential, path="/Videos/film.mp4",
                                      file=ref))  # fmt: skip

    assert result["status"] == "succeeded", result["error"]
    start, first, second, finish = fake_dropbox.content.requests
    assert (start.path, arg(start), start.raw) == ("/2/files/upload_session/start",
                                                   {"close": False}, b"")  # fmt: skip
    session = arg(first)["cursor"]["session_id"]
    assert fake_dropbox.sessions == {}  # finished
    assert (first.path, arg(first)) == (
        "/2/files/upload_session/append_v2",
        {"cursor": {"session_id": session, "offset": 0}, "close": False},
    )
    assert arg(second)["cursor"]["offset"] == 8 * MIB
    assert [len(r.raw) for r in (first, second, finish)] == [8 * MIB, 8 * MIB, MIB]
    assert first.headers["content-length"] == str(8 * MIB)
    assert (finish.path, arg(finish)) == (
        "/2/files/upload_session/finish",
        {"cursor": {"session_id": session, "offset": 16 * MIB},
         "commit": {"path": "/Videos/film.mp4", "mode": "add", "autorename": False,
                    "mute": False, "strict_conflict": False}},
    )  # fmt: skip
    assert fake_dropbox.file("/videos/film.mp4") == data
    assert result["output"]["out"]["content_hash"] == content_hash(data)


@pytest.mark.parametrize("received", [False, True], ids=["chunk lost", "answer lost"])
async def test_a_failed_session_call_resumes_from_what_dropbox_holds(
    api: httpx.AsyncClient, fake_dropbox: FakeDropbox, credential: str, received: bool
) -> None:
    data = pattern(17 * MIB)
    ref = (await api.post("/api/files", params={"name": "film.mp4"}, content=data)).json()
    fake_dropbox.fail(
        lambda r: r.path.endswith("/append_v2") and arg(r)["cursor"]["offset"] == 8 * MIB,
        Response(503, content=b"upstream error", headers={"content-type": "text/plain"}),
        after=received,
    )

    result = await run_node(api, node("upload_file", credential, path="/film.mp4", file=ref))

    assert result["status"] == "succeeded", result["error"]
    calls = [(r.path.rsplit("/", 1)[-1], (arg(r).get("cursor") or {}).get("offset"))
             for r in fake_dropbox.content.requests]  # fmt: skip
    # The second chunk is sent again: when Dropbox had kept it, it answers 409 incorrect_offset
    # (correct_offset 16 MiB) and one more attempt goes on from there.
    assert calls == [("start", None), ("append_v2", 0), ("append_v2", 8 * MIB),
                     ("append_v2", 8 * MIB), ("finish", 16 * MIB)]  # fmt: skip
    assert result["attempt"] == (3 if received else 2)
    assert fake_dropbox.file("/film.mp4") == data


async def test_download_streams_by_path_or_id_with_the_name_dropbox_gives(
    api: httpx.AsyncClient, fake_dropbox: FakeDropbox, credential: str
) -> None:
    stored = fake_dropbox.put("/Reports/May Report.csv", b"a,b\n")

    by_path = await run_node(api, node("download_file", credential, path="/reports/may report.csv"))
    by_id = await run_node(api, node("download_file", credential, path=stored["id"]))
    missing = await run_node(api, node("download_file", credential, path="/nope.txt"))

    first = fake_dropbox.content.requests[0]
    assert (first.path, arg(first), first.raw) == (
        "/2/files/download",
        {"path": "/reports/may report.csv"},
        b"",
    )
    assert "content-type" not in first.headers
    for result in (by_path, by_id):
        ref = result["output"]["out"]
        assert (ref["name"], ref["mime"], ref["size"]) == ("May Report.csv", "text/csv", 4)
    content = await api.get(f"/api/files/{by_id['output']['out']['$file']}/content")
    assert content.content == b"a,b\n"
    assert missing["error"]["message"] == "Dropbox files/download failed: 409 path/not_found"
    assert missing["attempt"] == 1


async def test_list_folder_follows_the_cursor_past_empty_pages(
    api: httpx.AsyncClient, fake_dropbox: FakeDropbox, credential: str
) -> None:
    for path in ("/a.txt", "/Docs/b.txt", "/Docs/c.txt", "/Docs/Deep/d.txt"):
        fake_dropbox.put(path, b"x")
    fake_dropbox.empty_pages = 1

    root = await run_node(api, node("list_folder", credential, path="/"))
    docs = await run_node(api, node("list_folder", credential, path="/Docs", recursive=True,
                                    limit=2))  # fmt: skip
    missing = await run_node(api, node("list_folder", credential, path="/Nope"))

    first, more = fake_dropbox.requests[:2]
    assert (first.path, first.body) == ("/2/files/list_folder", {
        "path": "", "recursive": False, "include_deleted": False, "limit": 1000})  # fmt: skip
    assert first.headers["content-type"] == "application/json"
    assert (more.path, list(more.body)) == ("/2/files/list_folder/continue", ["cursor"])
    assert [(e["type"], e["path"]) for e in root["output"]["out"]["entries"]] == [
        ("file", "/a.txt"), ("folder", "/Docs")]  # fmt: skip
    assert fake_dropbox.requests[2].body["limit"] == 2
    assert [e["name"] for e in docs["output"]["out"]["entries"]] == ["b.txt", "c.txt"]
    assert docs["output"]["out"]["count"] == 2
    assert missing["error"]["message"] == "Dropbox files/list_folder failed: 409 path/not_found"
    assert fake_dropbox.content.requests == []


async def test_paths_dropbox_would_refuse_are_refused_when_the_graph_is_saved(
    api: httpx.AsyncClient, credential: str
) -> None:
    saved = await api.post("/api/graphs", json=one_node_graph(
        node("upload_file", credential, path="Reports/x.csv", content="x")))  # fmt: skip

    assert saved.status_code == 422
    [error] = saved.json()["errors"]
    assert (error["field"], error["code"]) == ("params.path", "invalid_parameter")


def test_every_dropbox_node_is_an_agent_tool() -> None:
    tools = {t["function"]["name"] for t in default_registry().tool_definitions()}
    assert {"Dropbox__upload_file", "Dropbox__download_file", "Dropbox__list_folder"} <= tools
