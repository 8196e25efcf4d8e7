"""The bubblewrap jail: build its command line, probe that it works, run one payload in it.

Each run gets fresh namespaces (user, pid, net, ipc, uts, mount, cgroup), a read-only /usr, an
empty tmpfs /tmp, no capabilities, a seccomp denylist and rlimits set by the bootstrap.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kyra.sandbox.seccomp import build_filter

if TYPE_CHECKING:
    from kyra.sandbox import SandboxLimits

#: Interpreters tried inside the jail, in order: the distribution's, then an image's own
#: (python:*-slim images keep it in /usr/local). Never the venv: no project code is mounted.
PYTHONS = ("/usr/bin/python3", "/usr/local/bin/python3")
#: Host uid/gid the jail runs as when Kyra runs as root (so it owns no host file).
JAIL_UID = 65534
#: Drops root to :data:`JAIL_UID` before bwrap starts (util-linux, in every Debian base).
#: A command prefix rather than ``user=``/``group=`` spawn options, which uvloop refuses.
SETPRIV = "/usr/bin/setpriv"
#: Largest file and total /tmp size inside the jail.
MAX_TMP_BYTES = 64 * 1024 * 1024
#: Room for the JSON envelope around the result.
ENVELOPE_SLACK = 4096
_CHUNK = 65536
BOOTSTRAP = (Path(__file__).parent / "bootstrap.py").read_text(encoding="utf-8")


@dataclass
class Outcome:
    """What came out of the jail, before interpretation."""

    returncode: int
    stdout: bytes
    stderr: bytes
    report: bytes
    timed_out: bool = False
    overflow: str = ""


def _python() -> str | None:
    return next((p for p in PYTHONS if Path(p).exists()), None)


def _root_binds(python: str) -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    if not python.startswith("/usr/local/"):
        args += ["--tmpfs", "/usr/local"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        path = Path(top)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), top]
        elif path.is_dir():
            args += ["--ro-bind", top, top]
    return args


def jail_command(limits: SandboxLimits, *, report_fd: int, seccomp_fd: int | None) -> list[str]:
    """The full bwrap argv that runs the bootstrap under ``limits``, reporting to ``report_fd``."""
    bwrap = shutil.which("bwrap") or "bwrap"
    python = _python() or PYTHONS[0]
    tmp_bytes = min(MAX_TMP_BYTES, limits.memory_mb * 1024 * 1024)
    inner = {
        "memory_mb": limits.memory_mb,
        "cpu_seconds": limits.cpu_seconds,
        "max_processes": limits.max_processes,
        "file_bytes": tmp_bytes,
        "report_fd": report_fd,
    }
    args = [*_drop_root(), bwrap, "--unshare-all", "--unshare-user", "--disable-userns"]
    args += ["--die-with-parent"]
    args += ["--new-session", "--clearenv", "--cap-drop", "ALL"]
    args += ["--uid", str(JAIL_UID), "--gid", str(JAIL_UID), "--hostname", "sandbox"]
    args += _root_binds(python)
    args += ["--proc", "/proc", "--dev", "/dev", "--size", str(tmp_bytes), "--tmpfs", "/tmp"]
    args += ["--chdir", "/tmp", "--setenv", "PATH", "/usr/bin:/bin"]
    args += ["--setenv", "LANG", "C.UTF-8", "--setenv", "HOME", "/tmp"]
    if seccomp_fd is not None:
        args += ["--seccomp", str(seccomp_fd)]
    return [*args, "--", python, "-I", "-S", "-B", "-c", BOOTSTRAP, json.dumps(inner)]


def _drop_root() -> list[str]:
    """The prefix that runs the jail as :data:`JAIL_UID` when Kyra runs as root.

    As root, bwrap would map the jail to host uid 0, which RLIMIT_NPROC does not bind.
    """
    if os.geteuid() != 0:
        return []
    uid = str(JAIL_UID)
    return [SETPRIV, "--reuid", uid, "--regid", uid, "--clear-groups", "--inh-caps=-all"]


def _seccomp_fd() -> int | None:
    program = build_filter()
    if program is None:
        return None
    fd = os.memfd_create("kyra-seccomp", 0)
    os.write(fd, program)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _spawn_options(pass_fds: tuple[int, ...]) -> dict[str, Any]:
    """Keyword arguments every event loop accepts (uvloop refuses ``process_group``, ``user``
    and ``group``); the new session makes the jail's pid its process group id."""
    return {
        "pass_fds": pass_fds,
        "env": {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        "cwd": "/",
        "start_new_session": True,
    }


def _read_fd(fd: int, cap: int) -> tuple[bytes, bool]:
    data = bytearray()
    with open(fd, "rb", buffering=0, closefd=True) as pipe:
        while chunk := pipe.read(_CHUNK):
            if len(data) + len(chunk) > cap:
                return bytes(data), True
            data += chunk
    return bytes(data), False


async def _drain(stream: asyncio.StreamReader, cap: int, on_overflow: Callable[[], None]) -> bytes:
    data = bytearray()
    overflowed = False
    # Read to EOF even past the cap: asyncio's wait() only returns once every pipe is closed.
    while chunk := await stream.read(_CHUNK):
        if overflowed:
            continue
        if len(data) + len(chunk) > cap:
            overflowed = True
            on_overflow()
        else:
            data += chunk
    return bytes(data)


async def _feed(stdin: asyncio.StreamWriter, payload: bytes) -> None:
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        stdin.write(payload)
        await stdin.drain()
        stdin.close()


async def execute(payload: bytes, limits: SandboxLimits) -> Outcome:
    """Run the bootstrap in a fresh jail fed ``payload``; the jail never outlives the wall limit."""
    report_r, report_w = os.pipe()
    seccomp = _seccomp_fd()
    fds = (report_w,) if seccomp is None else (report_w, seccomp)
    try:
        proc = await asyncio.create_subprocess_exec(
            *jail_command(limits, report_fd=report_w, seccomp_fd=seccomp),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            **_spawn_options(fds),
        )
    except BaseException:
        os.close(report_r)
        raise
    finally:
        for fd in fds:
            os.close(fd)
    assert proc.stdin and proc.stdout and proc.stderr
    overflow: list[str] = []

    def kill(reason: str = "") -> None:
        if reason:
            overflow.append(reason)
        # Only while unreaped: after that the group id may belong to someone else.
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)

    cap = limits.output_bytes
    out_task = asyncio.ensure_future(_drain(proc.stdout, cap, lambda: kill("stdout")))
    err_task = asyncio.ensure_future(_drain(proc.stderr, cap, lambda: kill("stderr")))
    report_task = asyncio.ensure_future(asyncio.to_thread(_read_fd, report_r, cap + ENVELOPE_SLACK))
    tasks = [out_task, err_task, report_task, asyncio.ensure_future(_feed(proc.stdin, payload))]
    timed_out = False
    try:
        await asyncio.wait_for(proc.wait(), timeout=limits.wall_seconds)
    except TimeoutError:
        timed_out = True
        kill()
        await proc.wait()
    except BaseException:
        # The node was cancelled: the jail must not outlive it.
        kill()
        for task in tasks:
            task.cancel()
        raise
    await asyncio.gather(*tasks)
    stdout, stderr, (report, report_overflow) = (
        out_task.result(),
        err_task.result(),
        report_task.result(),
    )
    if report_overflow:
        overflow.append("result")
    return Outcome(
        returncode=proc.returncode or 0,
        stdout=stdout,
        stderr=stderr,
        report=report,
        timed_out=timed_out,
        overflow=overflow[0] if overflow else "",
    )


def probe() -> bool:
    """True when a trivial program runs and reports through a real jail on this host."""
    if shutil.which("bwrap") is None or _python() is None:
        return False
    if os.geteuid() == 0 and not os.access(SETPRIV, os.X_OK):
        return False
    from kyra.sandbox import SandboxLimits

    report_r, report_w = os.pipe()
    seccomp = _seccomp_fd()
    fds = (report_w,) if seccomp is None else (report_w, seccomp)
    options = _spawn_options(fds)
    payload = json.dumps({"code": "result = data + 1", "data": 41}).encode()
    try:
        command = jail_command(SandboxLimits(), report_fd=report_w, seccomp_fd=seccomp)
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(command, input=payload, capture_output=True, timeout=30, **options)
    finally:
        for fd in fds:
            os.close(fd)
    report, _ = _read_fd(report_r, 1024)
    with contextlib.suppress(ValueError):
        return bool(json.loads(report) == {"ok": True, "result": 42})
    return False
