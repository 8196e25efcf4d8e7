"""``<data_dir>/runtime.json``: where a running ``kyra up`` serves, so other commands can find it.

The embedded servers listen on free ports chosen at start, so ``kyra graphs import`` or an extra
``kyra worker`` in another terminal read their URLs here when ``DATABASE_URL`` / ``REDIS_URL``
are unset. Loopback-only, trust-auth URLs: nothing secret is written.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from kyra.infra.supervision import is_kyra_process
from kyra.settings import Settings

_FILE = "runtime.json"


def write_runtime(data_dir: Path, **info: Any) -> None:
    path = data_dir / _FILE
    tmp = path.with_name(f".{_FILE}.{os.getpid()}")
    tmp.write_text(json.dumps({"pid": os.getpid(), **info}, indent=2) + "\n")
    os.replace(tmp, path)


def remove_runtime(data_dir: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (data_dir / _FILE).unlink()


def load_runtime(data_dir: Path) -> dict[str, Any]:
    """What the last ``kyra up`` on ``data_dir`` wrote, alive or not (empty when nothing)."""
    try:
        info = json.loads((data_dir / _FILE).read_text())
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def read_runtime(data_dir: Path) -> dict[str, Any] | None:
    """The runtime info of a ``kyra up`` that is still alive, else None."""
    info = load_runtime(data_dir)
    try:
        pid = int(info["pid"])
    except (ValueError, KeyError, TypeError):
        return None
    return info if is_kyra_process(pid) else None


def with_running_servers(settings: Settings) -> Settings:
    """``settings`` with unset server URLs taken from a running ``kyra up``, when there is one."""
    if settings.database_url and settings.redis_url:
        return settings
    info = read_runtime(settings.data_dir) or {}
    return settings.model_copy(
        update={
            "database_url": settings.database_url or info.get("database_url", ""),
            "redis_url": settings.redis_url or info.get("redis_url", ""),
        }
    )
