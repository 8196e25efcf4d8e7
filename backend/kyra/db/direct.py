"""Statements on the engine's hot path, sent by asyncpg itself.

Storing a finished sync run through an ``AsyncSession`` cost about 1.6 ms of CPU for three node
runs: begin, two statements and commit, each through the greenlet bridge, statement compilation
and parameter processing. The same write as one statement sent by asyncpg costs about 0.3 ms.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import msgspec
from asyncpg.pool import PoolConnectionProxy
from sqlalchemy.engine.interfaces import PoolProxiedConnection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import SQLModel

from kyra.db.models import table_of

__all__ = ["Driver", "DriverPool", "column_list", "session_driver"]

#: An asyncpg connection: one of :class:`DriverPool`'s, or the one under a session.
Driver = asyncpg.Connection | PoolConnectionProxy


#: Connection arguments SQLAlchemy's asyncpg adapter reads from a URL for itself.
_ADAPTER_OPTIONS = ("prepared_statement_cache_size", "prepared_statement_name_func")


class DriverPool:
    """asyncpg's own pool on the database of a session factory, for hot-path statements.

    Borrowing a connection from SQLAlchemy's pool cost about 0.27 ms of CPU (checkout and
    checkin through the greenlet bridge), more than the statement itself; asyncpg's pool costs
    a tenth of that. Connections are reset by rolling back what a caller left open (they hold
    no session state: no settings, listeners or advisory locks). ``json``/``jsonb`` values go in
    as JSON text (:func:`kyra.db.engine.encode_json`) and come back decoded, as on the engine's
    connections.

    A connection its caller returns cleanly (no exception, no transaction left open) waits in
    a list of its own and is handed out again from there: asyncpg's checkout and release (a
    shielded task, so an extra turn of the event loop) cost 20 to 26 µs of CPU, once per queue
    node. Any other connection goes back through asyncpg's pool, which waits out a cancelled
    query and rolls back.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, size: int = 10) -> None:
        engine: AsyncEngine = sessions.kw["bind"]
        # The engine's own connection arguments (``?ssl=require`` and the like included), less
        # the options of SQLAlchemy's asyncpg adapter.
        args, params = engine.dialect.create_connect_args(engine.url)
        for adapter_option in _ADAPTER_OPTIONS:
            params.pop(adapter_option, None)
        self._connect_args, self._connect_params = list(args), params
        self._size = size
        self._pool: asyncpg.Pool | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._opening = asyncio.Lock()
        self._idle: list[PoolConnectionProxy] = []

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Driver]:
        """A connection in autocommit: each statement is its own transaction unless the caller
        opens one (``connection.transaction()``)."""
        pool = self._pool
        if pool is None or self._loop is not asyncio.get_running_loop():
            pool = await self._open()
        idle = self._idle
        connection = idle.pop() if idle else await pool.acquire()
        try:
            yield connection
        except BaseException:
            await pool.release(connection)
            raise
        if connection.is_in_transaction() or connection.is_closed():
            await pool.release(connection)
        else:
            idle.append(connection)

    async def _open(self) -> asyncpg.Pool:
        async with self._opening:
            loop = asyncio.get_running_loop()
            if self._pool is None or self._loop is not loop:
                # A pool serves the event loop it was made in (a process has one).
                self._pool = await asyncpg.create_pool(
                    *self._connect_args, **self._connect_params, min_size=1,
                    max_size=self._size, init=_json_codecs, reset=_nothing_more,
                )  # fmt: skip
                self._loop, self._idle = loop, []
            return self._pool

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        if self._pool is not None and self._loop is asyncio.get_running_loop():
            for connection in idle:
                await self._pool.release(connection)
            await self._pool.close()
        self._pool = self._loop = None


async def _json_codecs(connection: asyncpg.Connection) -> None:
    for name in ("json", "jsonb"):
        await connection.set_type_codec(
            name, schema="pg_catalog", encoder=_json_text, decoder=_decode, format="text"
        )


def _json_text(value: str) -> str:
    return value


_decode = msgspec.json.decode


async def _nothing_more(connection: asyncpg.Connection) -> None:
    """Asyncpg has already rolled back an open transaction; the default reset's extra round
    trip (settings, listeners, advisory locks) is for state these connections never hold."""


async def session_driver(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under ``session``, for a hot-path statement that commits or rolls
    back with the session's transaction (which must have begun: SQLAlchemy begins on the
    session's first statement)."""
    connection = await session.connection()
    driver = _driver(await connection.get_raw_connection())
    if not driver.is_in_transaction():
        raise RuntimeError("the session's transaction has not begun: run a statement first")
    return driver


def _driver(pooled: PoolProxiedConnection) -> asyncpg.Connection:
    driver = pooled.driver_connection
    if not isinstance(driver, asyncpg.Connection):
        raise TypeError("the engine's connections are not asyncpg's")
    return driver


def column_list(model: type[SQLModel], *, of: str = "") -> str:
    """The columns of ``model``'s table, quoted and comma-separated (each prefixed by ``of.``
    when given), for statements written as text."""
    prefix = f"{of}." if of else ""
    return ", ".join(f'{prefix}"{column.name}"' for column in table_of(model).columns)
