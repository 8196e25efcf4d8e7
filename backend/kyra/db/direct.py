"""Statements on the engine's hot path, sent by asyncpg itself on a connection of SQLAlchemy's pool.

Storing a finished sync run through an ``AsyncSession`` cost about 1.6 ms of CPU for three node
runs: begin, two statements and commit, each through the greenlet bridge, statement compilation
and parameter processing. The same write as one statement sent by asyncpg costs about 0.4 ms.
The connection is borrowed from the engine's own pool, so connection settings and pool limits
stay in one place; a connection that fails or is interrupted is invalidated, so the pool
replaces it instead of handing it to the next caller.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy.engine.interfaces import PoolProxiedConnection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.util import greenlet_spawn
from sqlmodel import SQLModel

from kyra.db.engine import encode_json
from kyra.db.models import table_of

__all__ = ["column_list", "driver_connection", "json_parameter", "session_driver"]


@asynccontextmanager
async def driver_connection(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[asyncpg.Connection]:
    """An asyncpg connection of the pool behind ``sessions``, in autocommit: each statement is
    its own transaction unless the caller opens one (``connection.transaction()``).

    Taken from the pool itself, without an ``AsyncConnection`` around it: that wrapper cost
    about 0.15 ms of CPU per checkout (three greenlet switches, a shielded task to close it),
    more than two round trips to PostgreSQL.
    """
    engine: AsyncEngine = sessions.kw["bind"]
    pooled = await engine.raw_connection()
    driver = _driver(pooled)
    try:
        yield driver
    except asyncpg.PostgresError:
        if driver.is_closed():
            await greenlet_spawn(pooled.invalidate)
        else:
            await greenlet_spawn(pooled.close)
        raise
    except BaseException:
        # A lost connection, or a statement interrupted midway (cancelled, timed out): its
        # protocol state is unknown, so it never goes back to the pool.
        await greenlet_spawn(pooled.invalidate)
        raise
    # Back to the pool (the pool may close it, which awaits the driver: hence the greenlet).
    await greenlet_spawn(pooled.close)


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


def json_parameter(value: Any) -> str:
    """``value`` as a ``jsonb`` parameter, encoded as every stored JSON value is (``jsonb``
    values come back decoded: the engine's connections carry SQLAlchemy's codec)."""
    return encode_json(value)


def column_list(model: type[SQLModel], *, of: str = "") -> str:
    """The columns of ``model``'s table, quoted and comma-separated (each prefixed by ``of.``
    when given), for statements written as text."""
    prefix = f"{of}." if of else ""
    return ", ".join(f'{prefix}"{column.name}"' for column in table_of(model).columns)
