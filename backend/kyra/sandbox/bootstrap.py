"""Runs INSIDE the sandbox: apply limits, run the user's code, report.

Standalone on purpose (stdlib only, no kyra imports): it runs under the jail's system python3
(bubblewrap) and under the WASI CPython (wasm). argv[1] holds the limits as JSON; code and
``data`` arrive as JSON on stdin. In the jail, one JSON envelope goes to the report fd and
prints go straight to stdout/stderr; limits are applied before the untrusted payload is read.
The WASI CPython has no extra fds: there the prints are captured (capped) and everything
leaves as one JSON line on stdout, ``{"report", "stdout", "stderr", "overflow"}``.
"""

from __future__ import annotations

import io
import json
import linecache
import os
import sys
import traceback
from typing import Any

FILENAME = "<code>"


def apply_limits(limits: dict[str, Any]) -> None:
    import resource

    memory = limits["memory_mb"] * 1024 * 1024
    cpu = max(1, int(limits["cpu_seconds"] + 0.999))
    for name, value in (
        ("RLIMIT_AS", (memory, memory)),
        ("RLIMIT_CPU", (cpu, cpu + 1)),
        ("RLIMIT_NPROC", (limits["max_processes"], limits["max_processes"])),
        ("RLIMIT_FSIZE", (limits["file_bytes"], limits["file_bytes"])),
        ("RLIMIT_NOFILE", (64, 64)),
        ("RLIMIT_CORE", (0, 0)),
    ):
        resource.setrlimit(getattr(resource, name), value)


def user_traceback(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == FILENAME]
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines)


def run(code: str, data: Any) -> Any:
    linecache.cache[FILENAME] = (len(code), None, code.splitlines(True), FILENAME)
    namespace = {"__name__": "__main__", "__builtins__": __builtins__, "data": data}
    exec(compile(code, FILENAME, "exec"), namespace)
    if "result" not in namespace and callable(namespace.get("main")):
        return namespace["main"](data)
    return namespace.get("result")


def encode(value: Any) -> str:
    try:
        return json.dumps({"ok": True, "result": value}, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        error = f"result must be JSON-serializable: {type(exc).__name__}: {exc}\n"
        return json.dumps({"ok": False, "type": "ResultError", "error": error})


def outcome(payload: dict[str, Any]) -> str:
    try:
        return encode(run(payload["code"], payload["data"]))
    except BaseException as exc:
        return json.dumps({"ok": False, "type": type(exc).__name__, "error": user_traceback(exc)})


class CappedStream(io.TextIOBase):
    """A print target that keeps at most ``cap`` bytes; past it the run ends at once."""

    def __init__(self, name: str, cap: int, on_overflow: Any) -> None:
        self.name, self.cap, self.on_overflow = name, cap, on_overflow
        self.parts: list[str] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.size += len(text.encode("utf-8", "surrogatepass"))
        if self.size > self.cap:
            self.on_overflow(self.name)
        self.parts.append(text)
        return len(text)

    def text(self) -> str:
        return "".join(self.parts)


def main_captured(limits: dict[str, Any]) -> None:
    real = sys.__stdout__
    assert real is not None

    def finish(report: str, overflow: str = "") -> None:
        if len(report) > limits["output_bytes"] + 4096:  # the envelope's slack, as in the jail
            report, overflow = "", "result"
        line = {"report": report, "overflow": overflow}
        line |= {"stdout": streams[0].text(), "stderr": streams[1].text()}
        real.write(json.dumps(line, ensure_ascii=True) + "\n")
        real.flush()
        os._exit(0)

    cap = limits["output_bytes"]
    streams = [CappedStream(n, cap, lambda name: finish("", name)) for n in ("stdout", "stderr")]
    payload = json.loads(sys.stdin.read())
    sys.stdout, sys.stderr = streams[0], streams[1]
    finish(outcome(payload))


def main() -> None:
    limits = json.loads(sys.argv[1])
    if limits.get("capture"):
        main_captured(limits)
        return
    apply_limits(limits)
    report = os.fdopen(limits["report_fd"], "w", encoding="utf-8")
    os.set_inheritable(limits["report_fd"], False)
    payload = json.loads(sys.stdin.read())
    sys.stdin.close()
    text = outcome(payload)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    report.write(text)
    report.close()


main()
