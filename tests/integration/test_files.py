"""Binary data between nodes: a 100 MB download streams to an upload and a hash with flat memory
in both modes and with both blob stores (disk, and S3 against the fake S3 in a process of its
own), files download only for their owner, and references do not cross owners."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import ROOT, Owner, start_api_server, start_worker, stop_process_group
from tests.fakes.s3 import ACCESS_KEY, REGION, SECRET_KEY
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
    """Graph: download (stored as a file) → upload it, and hash it, both streamed from the store."""
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


@pytest.fixture(scope="module")
def s3_stack(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Path, list[subprocess.Popen[bytes]]]]:
    """The API and a worker (on a queue and a data folder of their own) storing files in the
    fake S3, which runs in a process of its own so that its buffers are not counted."""
    data_dir = tmp_path_factory.mktemp("s3-stack-data")
    fake = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.s3", "kyra-files"], cwd=ROOT,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    assert fake.stdout is not None and fake.stdin is not None
    env = {
        "KYRA_FILES_STORE": "s3", "KYRA_FILES_S3_BUCKET": "kyra-files",
        "KYRA_FILES_S3_ENDPOINT": fake.stdout.readline().decode().strip(),
        "KYRA_FILES_S3_REGION": REGION, "KYRA_FILES_S3_ACCESS_KEY_ID": ACCESS_KEY,
        "KYRA_FILES_S3_SECRET_ACCESS_KEY": SECRET_KEY, "KYRA_QUEUE_NAME": "kyra-s3-files",
        "KYRA_DATA_DIR": str(data_dir),
    }  # fmt: skip
    api_proc, url = start_api_server(env)
    worker = start_worker(threads=2, env=env)
    try:
        yield url, data_dir, [api_proc, worker]
    finally:
        stop_process_group(worker)
        stop_process_group(api_proc)
        fake.stdin.close()
        fake.wait(20)


async def test_100_mb_pass_with_flat_memory_through_the_s3_store_in_both_modes(
    s3_stack: tuple[str, Path, list[subprocess.Popen[bytes]]],
    files_server: FileServer,
    owner: Owner,
) -> None:
    url, data_dir, (api_proc, worker) = s3_stack
    async with httpx.AsyncClient(
        base_url=url, headers={"X-API-Key": owner.api_key}, timeout=300
    ) as api:
        growth, run = await pass_through_both_modes(api, api_proc, worker, files_server)
        ref = next(n for n in run["node_runs"] if n["node_id"] == "download")["output"]["out"]
        ref = ref["body"]
        digest = hashlib.sha256()
        async with api.stream("GET", f"/api/files/{ref['$file']}/content") as content:
            async for chunk in content.aiter_bytes():
                digest.update(chunk)
        facts = (await api.get(f"/api/files/{ref['$file']}")).json()
    assert digest.hexdigest() == expected_sha256(100)
    local = data_dir / "files" / facts["sha256"][:2]
    assert not (local / facts["sha256"][2:4] / facts["sha256"]).exists()  # in the bucket only
    print(f"S3 store: peak RSS growth {growth} MiB for 100 MiB")
    assert max(growth.values()) < MAX_GROWTH_MIB


async def pass_through_both_modes(
    api: httpx.AsyncClient, api_proc: Any, worker: Any, files_server: FileServer
) -> tuple[dict[str, float], dict[str, Any]]:
    """Peak memory growth of the process passing 100 MB through, per mode (after a warm-up),
    and the last run."""
    growth: dict[str, float] = {}
    for mode, proc in (("sync", api_proc), ("queue", worker)):
        warm = await create(api, pass_through(files_server.url, 1))
        started = await api.post(f"/api/graphs/{warm}/runs", json={"mode": mode})
        check_run(await wait_for_final(api, started.json()["id"]), 1)
        graph_id = await create(api, pass_through(files_server.url, 100))
        before = reset_peak(group_pids(proc.pid))
        started = await api.post(f"/api/graphs/{graph_id}/runs", json={"mode": mode})
        run = await wait_for_final(api, started.json()["id"], timeout=240)
        growth[mode] = growth_mib(before)
        check_run(run, 100)
    return growth, run


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
