"""What the engine needs from the process it runs in, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kyra.engine.hooks import EngineHook
from kyra.registry import Registry
from kyra.settings import Settings

if TYPE_CHECKING:
    from kyra.engine.dispatch import Dispatcher


@dataclass
class EngineServices:
    """Resources shared by every run in this process (API or worker)."""

    settings: Settings
    registry: Registry
    session_factory: async_sessionmaker[AsyncSession]
    hooks: EngineHook = field(default_factory=EngineHook)
    #: Sends queue messages; None in processes that only run inline (then queue runs fail fast).
    dispatcher: Dispatcher | None = None
    #: Compiled graphs by version id (versions are immutable, so this never goes stale).
    graph_cache: dict[Any, Any] = field(default_factory=dict)

    @cached_property
    def http(self) -> httpx.AsyncClient:
        """The SSRF-guarded client handed to nodes as ``ctx.http``."""
        from kyra.net import create_http_client

        return create_http_client(allow_hosts=self.settings.allowed_hosts)

    async def close(self) -> None:
        if "http" in self.__dict__:
            await self.http.aclose()
        await self.hooks.close()
