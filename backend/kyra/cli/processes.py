"""``kyra api``, ``kyra worker``, ``kyra scheduler``: become the long-running process."""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import NoReturn

from kyra.cli.errors import CliError
from kyra.cli.runtime import with_running_servers
from kyra.settings import Settings

#: Runs the Dramatiq CLI on the actors (``kyra.worker.actors``) with Kyra's poll interval.
WORKER_MODULE = "kyra.worker"
#: Runnable with ``python -m``; added by the schedules issue.
SCHEDULER_MODULE = "kyra.scheduler"


def api_argv(settings: Settings) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "--factory", "kyra.api.app:create_app",
        "--host", settings.host, "--port", str(settings.port),
        "--no-access-log", "--log-level", settings.log_level.lower(),
        "--workers", str(settings.api_workers),
        # Open event streams must not hold a restart or a deploy for long.
        "--timeout-graceful-shutdown", "5",
    ]  # fmt: skip


def worker_argv(*, processes: int, threads: int) -> list[str]:
    return [
        sys.executable, "-m", WORKER_MODULE,
        "--processes", str(processes), "--threads", str(threads),
    ]  # fmt: skip


def scheduler_available() -> bool:
    return importlib.util.find_spec(SCHEDULER_MODULE) is not None


def exec_api(settings: Settings) -> NoReturn:
    settings = _require_servers(settings)
    _exec(api_argv(settings), settings)


def exec_worker(settings: Settings, *, processes: int | None, threads: int | None) -> NoReturn:
    settings = _require_servers(settings)
    argv = worker_argv(
        processes=processes or settings.worker_processes,
        threads=threads or settings.worker_threads,
    )
    _exec(argv, settings)


def exec_scheduler(settings: Settings) -> NoReturn:
    if not scheduler_available():
        raise CliError(f"this version has no scheduler ({SCHEDULER_MODULE} is missing)")
    _exec([sys.executable, "-m", SCHEDULER_MODULE], _require_servers(settings))


def _require_servers(settings: Settings) -> Settings:
    settings = with_running_servers(settings)
    urls = {"DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url}
    missing = [name for name, url in urls.items() if not url]
    if missing:
        raise CliError(
            f"{' and '.join(missing)} not set: set them, or start `kyra up` (`make run`) "
            "in another terminal with the same KYRA_DATA_DIR"
        )
    return settings


def _exec(argv: list[str], settings: Settings) -> NoReturn:
    # URLs found through a running `kyra up` must reach the new program, which reads settings anew.
    env = {**os.environ, "DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url}
    sys.stdout.flush()
    os.execve(argv[0], argv, env)
