"""The code-node jail, exercised for real through bubblewrap (no mocks)."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

import pytest

import kyra
from kyra.errors import SandboxError
from kyra.sandbox import SandboxLimits, run_python, sandbox_backend
from kyra.sandbox.seccomp import build_filter

CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True)
def _require_sandbox() -> None:
    if sandbox_backend() is None:
        if CI:
            pytest.fail("No sandbox backend in CI: install bubblewrap (see .ci/run).")
        pytest.skip("No sandbox backend on this host (install bubblewrap).")


async def test_code_sets_result_from_data() -> None:
    out = await run_python("result = {'doubled': [x * 2 for x in data]}", [1, 2, 3])
    assert out.result == {"doubled": [2, 4, 6]}


async def test_main_function_style_returns_result() -> None:
    out = await run_python("def main(data):\n    return data['a'] + 1", {"a": 41})
    assert out.result == 42


async def test_prints_are_captured_apart_from_the_result() -> None:
    code = "import sys\nprint('hello')\nprint('oops', file=sys.stderr)\nresult = 1"
    out = await run_python(code, None)
    assert (out.result, out.stdout, out.stderr) == (1, "hello\n", "oops\n")


async def test_user_exception_is_a_sandbox_error_with_only_user_frames() -> None:
    code = "def f(x):\n    raise ValueError(f'boom {x}')\nf(data)"
    with pytest.raises(SandboxError) as info:
        await run_python(code, 7)
    message = str(info.value)
    assert "ValueError: boom 7" in message
    assert 'File "<code>", line 2, in f' in message
    assert "bootstrap" not in message and "exec(" not in message


async def test_syntax_error_is_reported() -> None:
    with pytest.raises(SandboxError, match="SyntaxError"):
        await run_python("result = (", None)


@pytest.fixture
def open_dir(tmp_path: Path) -> Path:
    """A world-writable host directory: only isolation can keep the jail out of it."""
    tmp_path.chmod(0o777)
    return tmp_path


async def test_shell_commands_cannot_touch_host_files(open_dir: Path) -> None:
    target = open_dir / "pwned"
    code = (
        "import os\n"
        f"os.system('touch {target} 2>/dev/null; echo hacked > {target} 2>/dev/null')\n"
        f"result = [os.getuid(), os.path.exists({str(open_dir)!r})]"
    )
    out = await run_python(code, None)
    assert out.result == [65534, False]
    assert not await asyncio.to_thread(os.path.exists, target)


@pytest.mark.parametrize("path", ["/etc/shadow", "/etc/passwd", kyra.__file__, "/root"])
async def test_host_files_are_not_visible(path: str) -> None:
    code = (
        "try:\n"
        f"    open({path!r}).read()\n"
        "    result = 'read'\n"
        "except OSError as exc:\n"
        "    result = type(exc).__name__\n"
    )
    out = await run_python(code, None)
    assert out.result in ("FileNotFoundError", "IsADirectoryError")
    assert await asyncio.to_thread(
        os.path.exists, path
    )  # it is there on the host, just not in the jail


async def test_host_environment_does_not_leak(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KYRA_TEST_CANARY_SECRET", "s3cr3t-canary")
    out = await run_python("import os\nresult = dict(os.environ)", None)
    assert "KYRA_TEST_CANARY_SECRET" not in out.result
    assert "s3cr3t-canary" not in str(out.result)
    assert set(out.result) <= {"PATH", "LANG", "HOME", "PWD"}


async def test_no_network_not_even_host_loopback() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        code = (
            "import socket\n"
            "try:\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
            "    result = 'connected'\n"
            "except OSError as exc:\n"
            "    result = type(exc).__name__\n"
        )
        out = await run_python(code, None)
    assert out.result != "connected"
    assert out.result in ("ConnectionRefusedError", "OSError", "TimeoutError")


async def test_runs_without_privileges() -> None:
    code = (
        "import ctypes, os\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "cap = [l for l in open('/proc/self/status') if l.startswith('CapEff')][0].split()[1]\n"
        "unshare = libc.unshare(0x10000000)\n"  # CLONE_NEWUSER
        "ptrace = libc.ptrace(0, 0, 0, 0)\n"  # PTRACE_TRACEME
        "result = [os.getuid(), int(cap, 16), unshare, ptrace]\n"
    )
    out = await run_python(code, None)
    assert out.result == [65534, 0, -1, -1]


async def test_fork_bomb_is_contained() -> None:
    code = (
        "import os, time\n"
        "children = 0\n"
        "try:\n"
        "    while True:\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(30)\n"
        "            os._exit(0)\n"
        "        children += 1\n"
        "except OSError:\n"
        "    result = children\n"
    )
    out = await run_python(code, None, limits=SandboxLimits(max_processes=16))
    assert 0 < out.result < 16
    # The host is fine: it can still start processes.
    host = await asyncio.create_subprocess_exec("true")
    assert await host.wait() == 0


async def test_busy_loop_is_killed_by_the_cpu_limit() -> None:
    limits = SandboxLimits(cpu_seconds=1, wall_seconds=30)
    with pytest.raises(SandboxError, match="CPU time limit"):
        await run_python("while True:\n    pass", None, limits=limits)


async def test_sleeping_code_is_killed_by_the_wall_clock_limit() -> None:
    limits = SandboxLimits(wall_seconds=1)
    with pytest.raises(SandboxError, match="timed out"):
        await run_python("import time\ntime.sleep(60)", None, limits=limits)


async def test_large_allocation_fails_with_a_memory_error() -> None:
    with pytest.raises(SandboxError, match="out of memory") as info:
        await run_python("blob = bytearray(2 * 1024**3)", None)
    assert "MemoryError" in str(info.value)


async def test_huge_stdout_is_refused() -> None:
    limits = SandboxLimits(output_bytes=10_000)
    with pytest.raises(SandboxError, match="printed more than 10000 bytes"):
        await run_python("while True:\n    print('x' * 1000)", None, limits=limits)


async def test_huge_result_is_refused() -> None:
    limits = SandboxLimits(output_bytes=10_000)
    with pytest.raises(SandboxError, match="larger than the 10000-byte output limit"):
        await run_python("result = 'y' * 100_000", None, limits=limits)


async def test_result_must_be_json() -> None:
    with pytest.raises(SandboxError, match="JSON-serializable"):
        await run_python("result = {1, 2}", None)


async def test_input_must_be_json() -> None:
    with pytest.raises(SandboxError, match="input is not JSON-serializable"):
        await run_python("result = 1", {1, 2})


async def test_oversized_input_is_refused() -> None:
    with pytest.raises(SandboxError, match="larger than 100 bytes"):
        await run_python("result = 1", "z" * 200, limits=SandboxLimits(input_bytes=100))


def test_the_jail_runs_under_uvloop() -> None:
    """uvicorn serves on uvloop, whose subprocess API refuses some asyncio-only arguments."""
    import uvloop

    async def scenario() -> tuple[object, str]:
        out = await run_python("import os\nresult = [data * 2, os.getuid()]", 21)
        try:
            limits = SandboxLimits(wall_seconds=1)
            await run_python("import time\ntime.sleep(60)", None, limits=limits)
        except SandboxError as exc:
            return out.result, str(exc)
        return out.result, "not stopped"

    result, stopped = uvloop.run(scenario())
    assert result == [42, 65534]
    assert "timed out" in stopped


def test_seccomp_filter_compiles_for_known_architectures_only() -> None:
    for machine in ("x86_64", "aarch64"):
        program = build_filter(machine)
        assert program is not None and len(program) % 8 == 0
    assert build_filter("sparc") is None
