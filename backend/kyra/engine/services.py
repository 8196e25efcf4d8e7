"""What the engine needs from the process it runs in, built once at start-up."""

from __future__ import annotations

import os
import socket
import uuid
from functools import cached_property
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kyra.errors import NodeError
from kyra.hooks import EngineHook
from kyra.registry import Registry
from kyra.settings import Settings

if TYPE_CHECKING:
    from kyra.db.direct import DriverPool
    from kyra.engine.dispatch import Dispatcher
    from kyra.engine.leases import SyncRunLeases
    from kyra.engine.ports import AgentHost
    from kyra.files.store import BlobStore
    from kyra.net import AddressPolicy


class EngineServices:
    """Resources shared by every run in this process (API or worker).

    A plain class rather than a dataclass: the API injects it as is, and Litestar would try to
    re-validate a dataclass field by field.
    """

    def __init__(
        self,
        *,
        settings: Settings,
        registry: Registry,
        session_factory: async_sessionmaker[AsyncSession],
        hooks: EngineHook | None = None,
        dispatcher: Dispatcher | None = None,
        agent_host: AgentHost | None = None,
    ) -> None:
        self.settings = settings
        self.registry = registry
        self.session_factory = session_factory
        self.hooks = hooks or EngineHook()
        #: Sends queue messages; None where only inline runs happen.
        self.dispatcher = dispatcher
        #: Runs agent loops for AI.agent nodes; None where agents are not enabled.
        self.agent_host = agent_host
        #: Compiled graphs by version id (versions are immutable, so this never goes stale).
        self.graph_cache: dict[Any, Any] = {}
        #: Names this process as the owner of leases (host, pid and a random part).
        self.instance_id = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    @cached_property
    def sync_leases(self) -> SyncRunLeases:
        """Leases of the sync runs this process stored while they run."""
        from kyra.engine.leases import SyncRunLeases

        return SyncRunLeases(self)

    @cached_property
    def driver(self) -> DriverPool:
        """Asyncpg's own pool on the same database, for the statements of the hot path."""
        from kyra.db.direct import DriverPool

        return DriverPool(self.session_factory)

    @cached_property
    def http(self) -> httpx.AsyncClient:
        """The SSRF-guarded client handed to nodes as ``ctx.http``."""
        from kyra.net import create_http_client

        return create_http_client(allow_hosts=self.settings.allowed_hosts)

    @cached_property
    def address_policy(self) -> AddressPolicy:
        """Which addresses nodes may connect to (HTTP and database connections alike)."""
        from kyra.net import AddressPolicy

        return AddressPolicy(self.settings.allowed_hosts)

    async def connect_address(self, host: str, port: int) -> str:
        """The checked IP address a node's direct TCP connection to ``host`` must use."""
        from kyra.net import permitted_addresses

        try:
            addresses = await permitted_addresses(self.address_policy, host, port, timeout=10)
        except TimeoutError:
            raise NodeError(f"timed out resolving {host}", retryable=True) from None
        except (OSError, ValueError) as exc:
            raise NodeError(f"could not resolve {host}: {exc}", retryable=True) from None
        return str(addresses[0])

    @cached_property
    def files(self) -> BlobStore:
        """Where node files are stored: a folder every local process shares, or a bucket."""
        from kyra.files.store import open_store

        return open_store(self.settings)

    @cached_property
    def memory(self) -> Any:
        """Agent memory backends and the embedding cache of this process (``kyra.memory``)."""
        from kyra.memory.backends import BackendResources
        from kyra.memory.manager import MemoryServices

        resources = BackendResources(self.settings, self.session_factory)
        return MemoryServices(resources, embedding_threads=self.settings.embedding_threads or None)

    async def close(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.close()
        if "sync_leases" in self.__dict__:
            await self.sync_leases.close()
        if "http" in self.__dict__:
            await self.http.aclose()
        if "driver" in self.__dict__:
            await self.driver.close()
        if "memory" in self.__dict__:
            await self.memory.close()
        if "files" in self.__dict__:
            await self.files.close()
        await self.hooks.close()
