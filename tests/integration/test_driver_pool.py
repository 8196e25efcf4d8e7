"""The hot path's asyncpg pool: what a caller leaves behind never reaches the next caller."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asyncpg.exceptions import UndefinedTableError

from kyra.db.direct import DriverPool
from tests.waiting import eventually


async def test_an_open_transaction_is_rolled_back_when_the_connection_returns(
    services: Any,
) -> None:
    pool = DriverPool(services.session_factory, size=1)
    try:
        async with pool.connection() as connection:
            await connection.execute("BEGIN")
            await connection.execute("CREATE TEMP TABLE left_behind (x int)")
        async with pool.connection() as connection:  # the same (only) connection
            assert not connection.is_in_transaction()
            with pytest.raises(UndefinedTableError):
                await connection.fetchval("SELECT count(*) FROM left_behind")
    finally:
        await pool.close()


async def test_json_values_go_in_as_text_and_come_back_decoded(services: Any) -> None:
    async with services.driver.connection() as connection:
        value = await connection.fetchval("SELECT $1::jsonb", '{"a": [1, 2.5, null, "x"]}')
    assert value == {"a": [1, 2.5, None, "x"]}


async def test_the_pool_connects_with_the_engines_url_options(database_url: str) -> None:
    # ``?ssl=…`` is how a TLS requirement reaches asyncpg through SQLAlchemy; read as a DSN,
    # asyncpg would send it to the server as a setting, which the server refuses.
    from kyra.db.engine import create_engine, create_session_factory

    engine = create_engine(f"{database_url}?ssl=disable")
    pool = DriverPool(create_session_factory(engine), size=1)
    try:
        async with pool.connection() as connection:
            assert await connection.fetchval("SELECT 1") == 1
    finally:
        await pool.close()
        await engine.dispose()


async def test_a_connection_returned_cleanly_is_handed_out_again(services: Any) -> None:
    pool = DriverPool(services.session_factory, size=2)
    try:
        async with pool.connection() as first:
            pass
        async with pool.connection() as second:
            assert second is first  # from the pool's own list, not through asyncpg's pool
    finally:
        await pool.close()


async def test_a_connection_whose_caller_was_cancelled_mid_query_serves_the_next(
    services: Any,
) -> None:
    pool = DriverPool(services.session_factory, size=1)

    async def sleep_in_the_database() -> None:
        async with pool.connection() as connection:
            await connection.execute("SELECT pg_sleep(30)")

    try:
        caller = asyncio.ensure_future(sleep_in_the_database())

        async def sleeping() -> bool:
            async with services.driver.connection() as other:
                return bool(
                    await other.fetchval(
                        "SELECT count(*) FROM pg_stat_activity WHERE query = $1",
                        "SELECT pg_sleep(30)",
                    )
                )

        await eventually(sleeping, what="the query in flight")
        caller.cancel()  # a cancel must not leave the query in progress on the connection
        with pytest.raises(asyncio.CancelledError):
            await caller
        async with asyncio.timeout(20), pool.connection() as connection:
            assert await connection.fetchval("SELECT 1") == 1
    finally:
        await pool.close()
