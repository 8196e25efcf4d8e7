"""Data nodes benchmark: items/s through Data.filter → Data.sort → Data.aggregate on 100k items,
against one Core.code node doing the same in the sandbox, with the API's peak memory.

Starts its own real stack (see ``_stack.py``) and runs each graph in sync mode over HTTP, with
every node run stored (``save_runs: all``, the default) and with nothing stored
(``save_runs: none``); a first table times the three handlers alone, in this process. CPU time
(of this process, or of the API process and its sandbox children) is reported beside wall time
because it stays meaningful on a loaded machine; PostgreSQL's own work is not in it.
Usage: ``python bench/data_nodes.py [--items 100000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stack import Stack, print_table

FILTER = {
    "conditions": [
        {"field": "amount", "op": "gte", "value": 100},
        {"field": "ok", "op": "equals", "value": True},
    ]
}
SORT = {"keys": [{"field": "group"}, {"field": "amount", "order": "desc"}]}
AGGREGATE = {
    "group_by": ["group"],
    "aggregations": [
        {"op": "count"},
        {"op": "sum", "field": "amount"},
        {"op": "max", "field": "amount"},
    ],
}
CODE = """
kept = [r for r in data if r["amount"] >= 100 and r["ok"] is True]
kept.sort(key=lambda r: r["amount"], reverse=True)
kept.sort(key=lambda r: r["group"])
groups = {}
for r in kept:
    g = groups.setdefault(r["group"], {"group": r["group"], "count": 0, "sum_amount": 0,
                                       "max_amount": None})
    g["count"] += 1
    g["sum_amount"] += r["amount"]
    g["max_amount"] = r["amount"] if g["max_amount"] is None else max(g["max_amount"], r["amount"])
result = list(groups.values())
"""


def make_items(count: int) -> list[dict[str, Any]]:
    rng = random.Random(7)
    return [
        {"id": i, "group": f"g{rng.randrange(50):02d}", "amount": rng.randrange(1000),
         "ok": rng.random() < 0.7, "name": f"item {i}"}
        for i in range(count)
    ]  # fmt: skip


def node(node_id: str, type_name: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"id": node_id, "type": type_name, "params": params}


def document(kind: str, save_runs: str) -> dict[str, Any]:
    nodes = [
        {"id": "start", "type": "Manual.trigger"},
        node("items", "Core.set", {"values": "{{ trigger['items'] }}"}),
    ]
    if kind == "data":
        nodes += [
            node("filter", "Data.filter", FILTER),
            node("sort", "Data.sort", SORT),
            node("aggregate", "Data.aggregate", AGGREGATE),
        ]
    else:
        limits = {"timeout_s": 120, "memory_mb": 2048}
        nodes.append(node("code", "Core.code", {"code": CODE, **limits}))
    ids = [n["id"] for n in nodes]
    return {
        "schema": "kyra.graph/1",
        "name": f"bench-{kind}-{save_runs}-{uuid.uuid4().hex[:4]}",
        "nodes": nodes,
        "edges": [{"source": a, "target": b} for a, b in itertools.pairwise(ids)],
        "settings": {"save_runs": save_runs},
    }


def cpu_seconds(pid: int) -> float:
    """CPU time of a process plus its waited-for children (the code sandbox), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def memory_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def handlers_alone(items: list[dict[str, Any]], repeat: int) -> list[list[object]]:
    from kyra_nodes.data import aggregate, filter, sort

    async def chain() -> Any:
        ports = {"in": items}
        for spec, params in ((filter.SPEC, FILTER), (sort.SPEC, SORT), (aggregate.SPEC, AGGREGATE)):
            assert spec.execute is not None
            ports = {
                "in": (await spec.execute(None, spec.params.model_validate(params), ports))["out"]
            }  # type: ignore[arg-type]
        return ports["in"]

    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        asyncio.run(chain())
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    code = compile(CODE, "<code>", "exec")
    started = time.process_time()
    exec(code, {"data": items})  # the Core.code program, unsandboxed: the floor
    plain = time.process_time() - started
    return [
        ["filter → sort → aggregate handlers", f"{wall * 1000:.0f}", f"{cpu * 1000:.0f}",
         f"{len(items) / cpu:,.0f}"],
        ["the same in plain Python (no sandbox)", "", f"{plain * 1000:.0f}",
         f"{len(items) / plain:,.0f}"],
    ]  # fmt: skip


def through_api(stack: Stack, items: list[dict[str, Any]], repeat: int) -> list[list[object]]:
    headers = {"X-API-Key": stack.api_key}
    rows = []
    with httpx.Client(base_url=stack.url, headers=headers, timeout=600) as client:
        for kind, label in (
            ("data", "Data.filter → Data.sort → Data.aggregate"),
            ("code", "Core.code (same work)"),
        ):
            for save_runs in ("none", "all"):
                created = client.post("/api/graphs", json=document(kind, save_runs))
                created.raise_for_status()
                graph_id = created.json()["id"]
                Path(f"/proc/{stack.api.pid}/clear_refs").write_text("5")
                baseline = memory_kib(stack.api.pid, "VmRSS")
                times, cpus = [], []
                for _ in range(repeat):
                    started, cpu = time.perf_counter(), cpu_seconds(stack.api.pid)
                    run = client.post(
                        f"/api/graphs/{graph_id}/runs",
                        json={"mode": "sync", "inputs": {"items": items}},
                    )
                    times.append(time.perf_counter() - started)
                    cpus.append(cpu_seconds(stack.api.pid) - cpu)
                    status = run.json().get("status")
                    if status != "succeeded":
                        raise RuntimeError(f"{kind} run {status}: {run.json().get('error')}")
                peak = memory_kib(stack.api.pid, "VmHWM")
                best, cpu = statistics.median(times), statistics.median(cpus)
                rows.append([label, save_runs, f"{best * 1000:.0f}", f"{cpu * 1000:.0f}",
                             f"{len(items) / cpu:,.0f}", f"{peak / 1024:.0f}",
                             f"+{(peak - baseline) / 1024:.0f}"])  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    items = make_items(args.items)
    print_table(
        f"Handlers alone, in process ({args.items:,} items, median of {args.repeat})",
        ["chain", "wall ms", "CPU ms", "items/s (CPU)"],
        handlers_alone(items, args.repeat),
    )
    os.environ["KYRA_MAX_REQUEST_BYTES"] = str(256 * 1024 * 1024)
    # Core.code's sandbox cannot start under uvloop yet (TECH-NOTES: uvloop's subprocess kwargs).
    stack = Stack(loop="asyncio").start()
    try:
        rows = through_api(stack, items, args.repeat)
    finally:
        stack.stop()
    print_table(
        f"Sync runs over the API ({args.items:,} items in the request, median of {args.repeat})",
        [
            "graph",
            "save_runs",
            "wall ms",
            "API CPU ms",
            "items/s (API CPU)",
            "API peak RSS MiB",
            "growth MiB",
        ],
        rows,
    )


if __name__ == "__main__":
    main()
