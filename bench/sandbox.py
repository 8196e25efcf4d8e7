"""Cost of one code-node run in each sandbox backend, and of the wasm runtime's first compile.

Runs a small transformation ``--runs`` times per backend, one after another (each run is a
fresh jail or guest), and prints wall time percentiles. ``--cold`` first compiles the wasm
runtime into an empty cache (minutes; about 280 MB) and reports how long that took.

    .venv/bin/python bench/sandbox.py [--runs 20] [--cold]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))

from kyra.sandbox import BACKENDS, run_python  # noqa: E402

CODE = "result = sorted(({'n': x, 'sq': x * x} for x in data), key=lambda r: -r['sq'])[:3]"


async def _timings(backend: str, runs: int) -> list[float]:
    took = []
    for _ in range(runs):
        started = time.perf_counter()
        out = await run_python(CODE, list(range(100)), backend=backend)
        took.append(time.perf_counter() - started)
        assert out.result[0]["n"] == 99
    return took


def _cold_compile() -> float:
    os.environ["KYRA_CACHE_DIR"] = tempfile.mkdtemp(prefix="kyra-wasm-cold-")
    from kyra.settings import get_settings

    get_settings.cache_clear()
    started = time.perf_counter()
    assert BACKENDS["wasm"][0](), "the wasm sandbox does not run here"
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--cold", action="store_true", help="measure the first compile too")
    args = parser.parse_args()
    if args.cold:
        cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds = _cold_compile()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        spent = after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime
        print(f"wasm first compile: {seconds:.1f} s wall, {spent:.1f} s CPU\n")
    print("| backend | runs | p50 | p95 | max |")
    print("| --- | --- | --- | --- | --- |")
    for backend, (probe, _) in BACKENDS.items():
        if not probe():
            print(f"| {backend} | unavailable here | | | |")
            continue
        took = sorted(asyncio.run(_timings(backend, args.runs)))
        p95 = took[max(0, int(len(took) * 0.95) - 1)]
        print(
            f"| {backend} | {len(took)} | {statistics.median(took) * 1000:.0f} ms "
            f"| {p95 * 1000:.0f} ms | {took[-1] * 1000:.0f} ms |"
        )


if __name__ == "__main__":
    main()
