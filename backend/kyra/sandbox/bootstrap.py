"""Runs INSIDE the jail under the system python3: apply limits, run the user's code, report.

Standalone on purpose (stdlib only, no kyra imports). argv[1] holds the limits and the report
fd as JSON; code and ``data`` arrive as JSON on stdin; one JSON envelope goes to the report fd.
Limits are applied before the untrusted payload is even read.
"""

from __future__ import annotations

import json
import linecache
import os
import resource
import sys
import traceback
from typing import Any

FILENAME = "<code>"


def apply_limits(limits: dict[str, Any]) -> None:
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


def main() -> None:
    limits = json.loads(sys.argv[1])
    apply_limits(limits)
    report = os.fdopen(limits["report_fd"], "w", encoding="utf-8")
    os.set_inheritable(limits["report_fd"], False)
    payload = json.loads(sys.stdin.read())
    sys.stdin.close()
    try:
        text = encode(run(payload["code"], payload["data"]))
    except BaseException as exc:
        text = json.dumps({"ok": False, "type": type(exc).__name__, "error": user_traceback(exc)})
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    report.write(text)
    report.close()


main()
