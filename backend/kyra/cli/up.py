"""``kyra up``: the whole product on one machine, supervised until Ctrl-C or SIGTERM.

Order: embedded PostgreSQL and Redis (unless ``DATABASE_URL`` / ``REDIS_URL`` are set), the
secret key file, migrations and the admin key, then the API, one worker and (when present) the
scheduler as child processes. Every one of them is restarted when it dies, with backoff and
without ever giving up; ``<data_dir>/supervision.json`` says which are running. Stopping runs
the same steps backwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import signal
import socket
import sys
import threading
import time
import warnings
from pathlib import Path
from types import FrameType

import httpx
import redis

from kyra.bootstrap import Bootstrapped, bootstrap
from kyra.cli.errors import CliError
from kyra.cli.processes import api_argv, scheduler_available, worker_argv
from kyra.cli.runtime import load_runtime, read_runtime, remove_runtime, write_runtime
from kyra.cli.supervisor import Child, Command, RestartPolicy, Supervisor
from kyra.crypto import load_or_create_key
from kyra.infra.embedded import EmbeddedPostgres, EmbeddedRedis
from kyra.infra.supervision import remove_supervision, write_supervision
from kyra.settings import Settings

log = logging.getLogger("kyra.up")

#: Seconds the API gets to answer /health after it was started.
HEALTH_TIMEOUT = 120.0


def run_up(settings: Settings) -> int:
    _log_to_stderr()
    settings = settings.model_copy(update={"data_dir": settings.data_dir.resolve()})
    _check_not_running(settings)
    _stop_leftover_redis(settings.data_dir)
    _check_port_free(settings.host, settings.port)
    stop = _stop_on_signals()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(remove_runtime, settings.data_dir)  # last, after the servers stopped
        cleanup.callback(remove_supervision, settings.data_dir)
        supervisor = Supervisor(
            policy=RestartPolicy(
                backoff=settings.restart_backoff_seconds,
                max_backoff=settings.restart_max_backoff_seconds,
            ),
            on_change=functools.partial(write_supervision, settings.data_dir),
        )
        cleanup.callback(supervisor.stop)
        embedded_redis = not settings.redis_url
        settings = _start_servers(settings, supervisor)
        write_runtime(
            settings.data_dir,
            api_url=_url(settings),
            database_url=settings.database_url,
            redis_url=settings.redis_url,
            embedded_redis_url=settings.redis_url if embedded_redis else None,
        )
        load_or_create_key(settings)  # before any child, so they all share one key file
        ready = asyncio.run(bootstrap(settings))
        if stop.is_set():
            return 0
        supervisor.start(_children(settings))
        if _wait_healthy(settings, supervisor, stop):
            print(_banner(settings, ready), flush=True)
        while not stop.wait(0.5):
            supervisor.poll()
        log.info("stopping")
    log.info("stopped")
    return 0


def _log_to_stderr() -> None:
    # Only our own lines; the libraries' INFO chatter (initdb, alembic, httpx) stays quiet.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s kyra %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")


def _check_not_running(settings: Settings) -> None:
    info = read_runtime(settings.data_dir)
    if info:
        raise CliError(
            f"Kyra is already running from {settings.data_dir} (pid {info['pid']}) "
            f"at {info.get('api_url')}; stop it first or use another KYRA_DATA_DIR"
        )


def _stop_leftover_redis(data_dir: Path) -> None:
    """Shut down the embedded Redis of a ``kyra up`` that was killed (SIGKILL, OOM).

    PostgreSQL's own pid file lets the next start adopt its server; a leftover Redis would
    instead keep appending to the same files as the new one, so it is asked to save and exit.
    """
    url = load_runtime(data_dir).get("embedded_redis_url")
    if not url:
        return
    client = redis.Redis.from_url(url, socket_timeout=2, decode_responses=True)
    try:
        served = str(client.config_get("dir").get("dir") or "")
        if served and Path(served).resolve() == (data_dir / "redis").resolve():
            log.info("stopping the Redis left running by a previous start")
            client.shutdown()
    except redis.RedisError:
        pass  # nothing listens there any more (the usual case)
    finally:
        client.close()


def _check_port_free(host: str, port: int) -> None:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            reason = exc.strerror or exc
            raise CliError(f"cannot listen on {host}:{port} ({reason}); set KYRA_PORT") from None


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handle(signum: int, _frame: FrameType | None) -> None:
        if not stop.is_set():
            log.info("received %s", signal.Signals(signum).name)
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, handle)
    return stop


def _start_servers(settings: Settings, supervisor: Supervisor) -> Settings:
    """Start the embedded servers that no URL replaces; returns settings with both URLs."""
    urls = {"database_url": settings.database_url, "redis_url": settings.redis_url}
    servers: list[Child] = []
    postgres = redis = None
    if not urls["database_url"]:
        postgres = EmbeddedPostgres(settings.data_dir / "postgres", durable=True)
        log.info("starting PostgreSQL (data in %s)", postgres.data_dir)
        servers.append(Child("postgres", postgres))
    if not urls["redis_url"]:
        redis = EmbeddedRedis(settings.data_dir / "redis", durable=True)
        log.info("starting Redis (data in %s)", redis.data_dir)
        servers.append(Child("redis", redis))
    supervisor.start(servers)
    # Read after starting: a PostgreSQL left by a killed `kyra up` is adopted on its own port.
    if postgres:
        urls["database_url"] = postgres.url
    if redis:
        urls["redis_url"] = redis.url
    return settings.model_copy(update=urls)


def _children(settings: Settings) -> list[Child]:
    env = _child_env(settings)
    processes, threads = settings.worker_processes, settings.worker_threads
    children = [
        Child("api", Command(api_argv(settings), env=env)),
        Child("worker", Command(worker_argv(processes=processes, threads=threads), env=env)),
    ]
    if scheduler_available():
        scheduler = [sys.executable, "-m", "kyra.cli", "scheduler"]
        children.append(Child("scheduler", Command(scheduler, env=env)))
    return children


def _child_env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "KYRA_DATA_DIR": str(settings.data_dir),
    }


def _wait_healthy(settings: Settings, supervisor: Supervisor, stop: threading.Event) -> bool:
    """Wait for GET /health to answer 200; False when asked to stop first."""
    url = f"http://{_local_host(settings.host)}:{settings.port}/health"
    deadline = time.monotonic() + HEALTH_TIMEOUT
    while not stop.is_set():
        supervisor.poll()
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2.0).status_code == 200:
                return True
        if time.monotonic() > deadline:
            raise CliError(f"the API did not answer {url} within {HEALTH_TIMEOUT:.0f} s")
        stop.wait(0.2)
    return False


def _local_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


def _url(settings: Settings) -> str:
    return f"http://{_local_host(settings.host)}:{settings.port}"


def _banner(settings: Settings, ready: Bootstrapped) -> str:
    url = _url(settings)
    return f"""
  Kyra Flow is running at {url}

  API key   {ready.api_key}
  Data      {settings.data_dir}

  Try it:
    export KYRA_KEY={ready.api_key}
    curl -s -H "X-API-Key: $KYRA_KEY" {url}/api/me
    curl -s -H "X-API-Key: $KYRA_KEY" -H 'Content-Type: application/json' \\
         --data @graphs/hello.json {url}/api/graphs

  Press Ctrl-C to stop.
"""
