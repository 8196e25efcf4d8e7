"""Alembic environment: runs migrations over asyncpg against the URL given by kyra.db.migrate."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import kyra.db.models  # noqa: F401  (registers every table on SQLModel.metadata)
from kyra.db.engine import to_async_url

target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        # Serialise concurrent `kyra migrate` calls (API and workers starting together).
        connection.execute(text("SELECT pg_advisory_xact_lock(726172)"))
        context.run_migrations()


async def _main() -> None:
    url = to_async_url(context.config.get_main_option("sqlalchemy.url") or "")
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


def _in_thread() -> None:
    asyncio.run(_main())


try:
    asyncio.get_running_loop()
except RuntimeError:
    asyncio.run(_main())
else:
    # Called from inside an event loop (tests): run in a fresh thread with its own loop.
    import threading

    worker = threading.Thread(target=_in_thread)
    worker.start()
    worker.join()
