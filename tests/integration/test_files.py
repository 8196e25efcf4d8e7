"""Binary data between nodes: a 100 MB download streams to an upload and a hash with flat memory
in both modes, files download only for their owner, and references do not cross owners."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import start_worker, stop_process_group
from tests.graphs.test_examples import wait_for_final
from tests.integration.test_engine_behaviour import create, graph

MIB = 1024 * 1024
#: One MiB of a fixed pattern: the served file is this, repeated.
BLOCK = bytes(range(256)) * 4096
#: Peak memory growth allowed while 100 MB pass through (the file itself would be 100 MiB).
MAX_GROWTH_MIB = 40


class FileServer:
    """Serves ``/big?mb=N`` (generated, never in memory) and hashes what is POSTed to /upload."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                size = int(parse_qs(urlsplit(self.path).query)["mb"][0]) * MIB
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(size))
                self.send_header("Content-Disposition", 'attachment; filename="big.bin"')
                self.end_headers()
                for _ in range(size // MIB):
                    self.wfile.write(BLOCK)

            def do_POST(self) -> None:
                left = int(self.headers["Content-Length"])
                digest = hashlib.sha256()
                while left:
                    chunk = self.rfile.read(min(left, MIB))
                    digest.update(chunk)
                    left -= len(chunk)
                body = json.dumps(
                    {"sha256": digest.hexdigest(), "type": self.headers["Content-Type"]}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def files_server() -> Iterator[FileServer]:
    server = FileServer()
    yield server
    server.server.shutdown()


def pass_through(url: str, megabytes: int) -> dict[str, Any]:
    """download (stored as a file) → upload it, and hash it, both streamed from the store."""
    ref = "{{ nodes.download.output.body }}"
    nodes = [
        {"id": "start", "type": "Manual.trigger"},
        {"id": "download", "type": "HTTP.request",
         "params": {"url": f"{url}/big?mb={megabytes}", "response_format": "file"}},
        {"id": "upload", "type": "HTTP.request",
         "params": {"method": "POST", "url": f"{url}/upload", "body": ref}},
        {"id": "hash", "type": "Crypto.hash", "params": {"value": ref}},
    ]  # fmt: skip
    return graph(nodes, [("start", "download"), ("download", "upload"), ("download", "hash")])


def expected_sha256(megabytes: int) -> str:
    digest = hashlib.sha256()
    for _ in range(megabytes):
        digest.update(BLOCK)
    return digest.hexdigest()


def group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[2]) == pgid:
                pids.append(int(entry.name))
    return pids


def memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} for {pid}")


def reset_peak(pids: list[int]) -> dict[int, int]:
    """Reset each process's peak RSS (VmHWM) to its current RSS; return the current RSS."""
    for pid in pids:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    return {pid: memory_kib(pid, "VmRSS") for pid in pids}


def growth_mib(before: dict[int, int]) -> float:
    return max(memory_kib(pid, "VmHWM") - rss for pid, rss in before.items()) / 1024


def check_run(run: dict[str, Any], megabytes: int) -> None:
    assert run["status"] == "succeeded", run["node_runs"]
    outputs = {n["node_id"]: n["output"] for n in run["node_runs"]}
    ref = outputs["download"]["out"]["body"]
    assert ref["name"] == "big.bin" and ref["size"] == megabytes * MIB
    assert ref["mime"] == "application/octet-stream"
    uploaded = outputs["upload"]["out"]["body"]
    assert uploaded == {"sha256": expected_sha256(megabytes), "type": "application/octet-stream"}
    assert outputs["hash"]["out"] == expected_sha256(megabytes)


async def test_100_mb_pass_from_download_to_upload_with_flat_memory_in_sync_mode(
    api: httpx.AsyncClient, files_server: FileServer
) -> None:
    warm = await create(api, pass_through(files_server.url, 1))
    check_run((await api.post(f"/api/graphs/{warm}/runs", json={"mode": "sync"})).json(), 1)
    graph_id = await create(api, pass_through(files_server.url, 100))
    before = reset_peak([os.getpid()])
    run = (await api.post(f"/api/graphs/{graph_id}/runs", json={"mode": "sync"})).json()
    growth = growth_mib(before)
    check_run(run, 100)
    print(f"sync mode: peak RSS growth {growth:.1f} MiB for 100 MiB")
    assert growth < MAX_GROWTH_MIB


async def test_100_mb_pass_from_download_to_upload_with_flat_memory_in_queue_mode(
    api: httpx.AsyncClient, files_server: FileServer
) -> None:
    worker = start_worker(threads=2)  # its own worker: a clean memory measurement
    try:
        warm = await create(api, pass_through(files_server.url, 1))
        queued = await api.post(f"/api/graphs/{warm}/runs", json={"mode": "queue"})
        check_run(await wait_for_final(api, queued.json()["id"]), 1)
        graph_id = await create(api, pass_through(files_server.url, 100))
        before = reset_peak(group_pids(worker.pid))
        queued = await api.post(f"/api/graphs/{graph_id}/runs", json={"mode": "queue"})
        run = await wait_for_final(api, queued.json()["id"], timeout=240)
        growth = growth_mib(before)
    finally:
        stop_process_group(worker)
    check_run(run, 100)
    print(f"queue mode: peak RSS growth {growth:.1f} MiB for 100 MiB")
    assert growth < MAX_GROWTH_MIB


async def test_files_download_only_for_their_owner(
    api: httpx.AsyncClient, other_owner: Any
) -> None:
    document = graph(
        [
            {"id": "start", "type": "Manual.trigger"},
            {"id": "csv", "type": "CSV.build",
             "params": {"items": [{"név": "Ödön"}], "output": "file", "file_name": "é <x>.csv"}},
        ],
        [("start", "csv")],
    )  # fmt: skip
    run = await api.post(f"/api/graphs/{await create(api, document)}/runs", json={"mode": "sync"})
    ref = run.json()["output"]["csv"]
    assert ref["name"] == "é <x>.csv" and ref["mime"] == "text/csv"

    facts = (await api.get(f"/api/files/{ref['$file']}")).json()
    assert facts["run_id"] == run.json()["id"] and facts["node_id"] == "csv"
    download = await api.get(f"/api/files/{ref['$file']}/content")
    assert download.status_code == 200
    assert download.content == "név\r\nÖdön\r\n".encode()
    assert download.headers["content-disposition"] == (
        "attachment; filename*=UTF-8''%C3%A9%20%3Cx%3E.csv"
    )
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-type"].startswith("text/csv")

    foreign = {"X-API-Key": other_owner.api_key}
    for path in (f"/api/files/{ref['$file']}", f"/api/files/{ref['$file']}/content"):
        assert (await api.get(path, headers=foreign)).status_code == 404
    assert (await api.get(f"/api/files/{uuid.uuid4()}/content")).status_code == 404
    assert (
        await api.get(f"/api/files/{ref['$file']}/content", headers={"X-API-Key": ""})
    ).status_code == 401


async def test_a_file_reference_of_another_owner_is_not_found(
    api: httpx.AsyncClient, other_owner: Any
) -> None:
    document = graph(
        [
            {"id": "start", "type": "Manual.trigger"},
            {"id": "csv", "type": "CSV.build", "params": {"items": [{"a": 1}], "output": "file"}},
        ],
        [("start", "csv")],
    )
    run = await api.post(f"/api/graphs/{await create(api, document)}/runs", json={"mode": "sync"})
    ref = run.json()["output"]["csv"]

    foreign = {"X-API-Key": other_owner.api_key}
    steal = graph(
        [
            {"id": "start", "type": "Manual.trigger"},
            {"id": "hash", "type": "Crypto.hash", "params": {"value": ref}},
        ],
        [("start", "hash")],
    )
    created = await api.post("/api/graphs", json=steal, headers=foreign)
    stolen = await api.post(
        f"/api/graphs/{created.json()['id']}/runs", json={"mode": "sync"}, headers=foreign
    )
    assert stolen.json()["status"] == "failed"
    assert stolen.json()["error"]["message"].endswith(f"file {ref['$file']} not found")


async def test_an_uploaded_file_feeds_a_graph(api: httpx.AsyncClient, services: Any) -> None:
    uploaded = await api.post(
        "/api/files",
        params={"name": "people.csv"},
        content="name,age\nZoë,31\n".encode(),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert uploaded.status_code == 201, uploaded.text
    ref = uploaded.json()
    assert (ref["name"], ref["mime"], ref["size"]) == ("people.csv", "text/csv", 17)
    document = graph(
        [
            {"id": "start", "type": "Manual.trigger"},
            {"id": "rows", "type": "CSV.parse", "params": {"source": ref, "numbers": True}},
        ],
        [("start", "rows")],
    )
    run = await api.post(f"/api/graphs/{await create(api, document)}/runs", json={"mode": "sync"})
    assert run.json()["output"] == {"rows": [{"name": "Zoë", "age": 31}]}

    limit = services.settings.max_file_bytes
    services.settings.max_file_bytes = 10
    try:
        too_big = await api.post("/api/files", params={"name": "x.bin"}, content=b"x" * 11)
    finally:
        services.settings.max_file_bytes = limit
    assert too_big.status_code == 413
    assert too_big.json()["detail"] == "file is larger than 10 bytes"
    missing_name = await api.post("/api/files", content=b"x")
    assert missing_name.status_code == 400
