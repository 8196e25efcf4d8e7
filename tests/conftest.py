"""Shared fixtures: a real embedded PostgreSQL (pgvector) and Redis, real Dramatiq workers.

Infrastructure comes up once per test session. Set ``KYRA_TEST_DATABASE_URL`` and
``KYRA_TEST_REDIS_URL`` to use external servers instead. The environment is set before any
settings are read, so every process the tests start (workers, API servers) sees the same URLs.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from kyra.infra.embedded import die_with_parent

ROOT = Path(__file__).resolve().parents[1]
_DATA = Path(tempfile.mkdtemp(prefix="kyra-tests-"))


def _start_infrastructure() -> tuple[str, str, list[Any]]:
    from kyra.infra.embedded import EmbeddedPostgres, EmbeddedRedis

    database_url = os.environ.get("KYRA_TEST_DATABASE_URL", "")
    redis_url = os.environ.get("KYRA_TEST_REDIS_URL", "")
    servers: list[Any] = []
    if not database_url:
        postgres = EmbeddedPostgres(_DATA / "postgres", durable=False)
        database_url = postgres.start()
        servers.append(postgres)
    if not redis_url:
        redis = EmbeddedRedis(_DATA / "redis", durable=False)
        redis_url = redis.start()
        servers.append(redis)
    return database_url, redis_url, servers


_DATABASE_URL, _REDIS_URL, _SERVERS = _start_infrastructure()
os.environ.update(
    {
        "DATABASE_URL": _DATABASE_URL,
        "REDIS_URL": _REDIS_URL,
        "KYRA_DATA_DIR": str(_DATA / "data"),
        "KYRA_LEASE_SECONDS": "4",
        "KYRA_REAPER_INTERVAL_SECONDS": "1",
        "KYRA_HTTP_ALLOW_HOSTS": "127.0.0.1",
        "KYRA_LOG_LEVEL": "WARNING",
    }
)


def pytest_sessionstart(session: pytest.Session) -> None:
    from kyra.db.migrate import upgrade

    upgrade(_DATABASE_URL)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    for server in reversed(_SERVERS):
        server.stop()
    shutil.rmtree(_DATA, ignore_errors=True)


@pytest.fixture(scope="session")
def database_url() -> str:
    return _DATABASE_URL


@pytest.fixture(scope="session")
def redis_url() -> str:
    return _REDIS_URL


@pytest.fixture(scope="session")
def settings() -> Any:
    from kyra.settings import get_settings

    return get_settings()


@pytest.fixture(scope="session")
async def session_factory(settings: Any) -> AsyncIterator[Any]:
    from kyra.db.engine import create_engine, create_session_factory

    engine = create_engine(settings.database_url)
    yield create_session_factory(engine)
    await engine.dispose()


@dataclass
class Owner:
    id: uuid.UUID
    api_key: str


async def _new_owner(session_factory: Any, name: str) -> Owner:
    from kyra.db.queries.users import create_api_key, create_user

    async with session_factory() as session:
        user = await create_user(session, name=name)
        _, key = await create_api_key(session, owner_id=user.id, name="tests")
        await session.commit()
    return Owner(user.id, key)


@pytest.fixture(scope="session")
async def owner(session_factory: Any) -> Owner:
    """A user with an API key, shared by the session's tests."""
    return await _new_owner(session_factory, "tester")


@pytest.fixture
async def other_owner(session_factory: Any) -> Owner:
    """A second user, to check that owners cannot see each other's resources."""
    return await _new_owner(session_factory, f"other-{uuid.uuid4().hex[:6]}")


@pytest.fixture(scope="session")
async def services(settings: Any) -> AsyncIterator[Any]:
    """Engine services as the API process builds them (queue messages go to the test Redis)."""
    from kyra.wiring import build_services

    built = build_services(settings)
    yield built
    await built.close()


@pytest.fixture(scope="session")
async def app_client(services: Any, owner: Owner) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the full app in-process (same event loop), authenticated as ``owner``."""
    from kyra.api.app import create_app

    app = create_app(services.settings, services=services)
    transport = httpx.ASGITransport(app=app)
    headers = {"X-API-Key": owner.api_key}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers
    ) as client:
        yield client


@pytest.fixture(scope="session")
async def api(app_client: httpx.AsyncClient) -> httpx.AsyncClient:
    return app_client


def start_worker(
    *, processes: int = 1, threads: int = 8, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """A real ``dramatiq kyra.worker.actors`` process group with the test environment."""
    from kyra.cli.processes import worker_argv

    command = worker_argv(processes=processes, threads=threads)
    return subprocess.Popen(
        command, cwd=ROOT, start_new_session=True, env={**os.environ, **(env or {})}
    )


def stop_process_group(proc: subprocess.Popen[bytes], *, timeout: float = 20.0) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def wait_for_worker_beat(proc: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    """Wait until a process of this worker group beats in Redis (it has booted its actors)."""
    import redis

    from kyra.messaging.heartbeats import heartbeat_key
    from kyra.settings import get_settings

    client = redis.Redis.from_url(_REDIS_URL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the worker exited with {proc.returncode} while booting"
        for member in client.zrange(heartbeat_key(get_settings().queue_name), 0, -1):
            pid = member.decode().rsplit(":", 1)[-1]
            try:
                parent = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]
            except (OSError, IndexError):
                continue
            if int(parent) == proc.pid:
                return
        time.sleep(0.1)
    raise RuntimeError("the worker did not boot in time")


@pytest.fixture(scope="session")
def worker() -> Iterator[subprocess.Popen[bytes]]:
    """One real worker process for the session's queue-mode tests."""
    proc = start_worker()
    wait_for_worker_beat(proc)
    yield proc
    stop_process_group(proc)


@dataclass
class LiveServer:
    url: str
    api_key: str


def start_api_server(env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """The real API under uvicorn (its own event loop, uvloop) on a free port; waits for it."""
    from kyra.infra.embedded import free_port

    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "kyra.api.app:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        start_new_session=True,
        env={**os.environ, **(env or {})},
        preexec_fn=die_with_parent,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # generous: the machine may be busy
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    stop_process_group(proc)
    raise RuntimeError("API server did not come up")


@pytest.fixture(scope="session")
def live_server(owner: Owner, worker: Any) -> Iterator[LiveServer]:
    """The real API under uvicorn on a free port (serving the built web app) plus a worker."""
    proc, url = start_api_server()
    yield LiveServer(url, owner.api_key)
    stop_process_group(proc)
