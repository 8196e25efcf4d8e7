"""Webhook benchmark: requests/s, p50/p99 latency and errors for the 3-node webhook graph
(graphs/hello.json: webhook → set → respond) in ``sync`` and ``async`` modes, signed and
unsigned, storing every run (``save_runs: all``) or none.

Starts its own real stack (``bench/_stack.py``: embedded PostgreSQL with fsync on, Redis with
AOF, the API under uvicorn, one Dramatiq worker) and drives it with ``wrk`` (Debian package) from
a separate process: one wrk thread, ``--connections`` closed-loop connections, for ``--seconds``.
Signed requests are signed ahead of time (a unique body each, so none is a replay) and fed to
wrk by a Lua script. Also prints the sequential median (one connection): the per-request cost
without queueing.

Usage: ``python bench/webhook.py [--seconds 20] [--connections 8] [--api-workers 1]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stack import ROOT, Stack, print_table

from kyra.signatures import sign

#: wrk prints the latency distribution with --latency; these are the lines we read.
_PERCENTILE = re.compile(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_REQUESTS = re.compile(r"Requests/sec:\s+([\d.]+)")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_TOTAL = re.compile(r"(\d+) requests in")

#: The Lua script: POST JSON; when a request file is given, each request is the next signed one.
WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"name": "bench"}'
local requests = nil
local index = 0
function init(args)
  if args[1] == nil then return end
  requests = {}
  for line in io.lines(args[1]) do
    local stamp, signature, body = line:match("^(%S+) (%S+) (.*)$")
    requests[#requests + 1] = {stamp, signature, body}
  end
end
function request()
  if requests == nil then return wrk.format() end
  index = index + 1
  local r = requests[((index - 1) % #requests) + 1]
  return wrk.format(nil, nil, {["Content-Type"] = "application/json",
    ["X-Kyra-Timestamp"] = r[1], ["X-Kyra-Signature"] = r[2]}, r[3])
end
"""


@dataclass
class Scenario:
    mode: str
    signed: bool
    save_runs: str

    @property
    def label(self) -> str:
        return f"{self.mode}, {'signed' if self.signed else 'unsigned'}, save_runs {self.save_runs}"


@dataclass
class Result:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    total: int
    #: CPU milliseconds per request of the process under test, where the caller measures it.
    cpu_ms: float = float("nan")


def hello_graph(mode: str, save_runs: str) -> dict[str, Any]:
    document = json.loads((ROOT / "graphs" / "hello.json").read_text())
    name = f"hello-{mode}-{save_runs}-{uuid.uuid4().hex[:6]}"
    document["name"] = name
    document["nodes"][0]["params"].update({"path": name, "reply": mode})
    document["settings"] = {"save_runs": save_runs}
    return document


def prepare(stack: Stack, scenario: Scenario) -> tuple[str, str | None]:
    """Create the scenario's graph; returns (webhook URL, signing secret or None)."""
    api = httpx.Client(base_url=stack.url, headers={"X-API-Key": stack.api_key}, timeout=30)
    graph = api.post("/api/graphs", json=hello_graph(scenario.mode, scenario.save_runs))
    graph.raise_for_status()
    secret = None
    if scenario.signed:
        secret = api.post(f"/api/graphs/{graph.json()['id']}/webhook-secret").json()["secret"]
    return graph.json()["webhooks"][0]["url"], secret


def signed_requests(secret: str, count: int, folder: Path) -> Path:
    """A file of ``count`` distinct signed requests, one ``timestamp signature body`` a line."""
    stamp = int(time.time())
    lines = []
    for i in range(count):
        body = json.dumps({"name": f"bench-{i}"}).encode()
        headers = sign(secret, body, stamp)
        lines.append(f"{stamp} {headers['X-Kyra-Signature']} {body.decode()}")
    path = folder / f"signed-{uuid.uuid4().hex[:6]}.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_wrk(
    url: str, *, seconds: float, connections: int, script: Path, requests: Path | None
) -> Result:
    command = [
        "wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency", "--timeout", "10s",
        "-s", str(script), url,
    ]  # fmt: skip
    if requests is not None:
        command += ["--", str(requests)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    percentiles = {q: _to_ms(value, unit) for q, value, unit in _PERCENTILE.findall(out)}
    socket = _SOCKET.search(out)
    errors = int(m.group(1)) if (m := _NON_2XX.search(out)) else 0
    errors += sum(int(g) for g in socket.groups()) if socket else 0
    return Result(
        requests_per_s=float(_REQUESTS.search(out).group(1)),  # type: ignore[union-attr]
        p50_ms=percentiles.get("50", float("nan")),
        p99_ms=percentiles.get("99", float("nan")),
        errors=errors,
        total=int(_TOTAL.search(out).group(1)),  # type: ignore[union-attr]
    )


def measure(url: str, secret: str | None, seconds: float, connections: int, script: Path) -> Result:
    """One wrk run; signed runs get their own never-sent requests (a repeat is a replay)."""
    requests = None
    if secret is not None:
        requests = signed_requests(secret, int(6000 * seconds) + 500, script.parent)
    try:
        return run_wrk(
            url, seconds=seconds, connections=connections, script=script, requests=requests
        )
    finally:
        if requests is not None:
            requests.unlink()


def _to_ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--sequential-seconds", type=float, default=5.0)
    parser.add_argument("--api-workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--only", default="", help="run scenarios whose label contains this")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    os.environ["UVICORN_WORKERS"] = str(args.api_workers)  # read by the uvicorn CLI
    scenarios = [
        Scenario(mode, signed, save_runs)
        for mode, save_runs in (("sync", "all"), ("sync", "none"), ("async", "all"))
        for signed in (False, True)
    ]
    scenarios = [s for s in scenarios if args.only in s.label]
    folder = Path(tempfile.mkdtemp(prefix="kyra-wrk-"))
    script = folder / "post.lua"
    script.write_text(WRK_SCRIPT)
    stack = Stack().start()
    rows: list[list[object]] = []
    try:
        for scenario in scenarios:
            url, secret = prepare(stack, scenario)

            measure(url, secret, 2, args.connections, script)  # warm-up: caches, pools
            loaded = measure(url, secret, args.seconds, args.connections, script)
            alone = measure(url, secret, args.sequential_seconds, 1, script)
            rows.append([
                scenario.label, f"{loaded.requests_per_s:,.0f}", f"{loaded.p50_ms:.1f}",
                f"{loaded.p99_ms:.1f}", f"{loaded.errors} / {loaded.total:,}",
                f"{alone.p50_ms:.2f}",
            ])  # fmt: skip
            print(f"  {scenario.label}: {rows[-1][1:]}", file=sys.stderr)
    finally:
        stack.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print_table(
        f"Webhook → set → respond, wrk {args.connections} connections x {args.seconds:g} s, "
        f"{args.api_workers} API process(es)",
        ["scenario", "requests/s", "p50 ms", "p99 ms", "errors / requests", "sequential p50 ms"],
        rows,
    )


if __name__ == "__main__":
    main()
