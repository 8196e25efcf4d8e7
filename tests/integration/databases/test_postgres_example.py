"""graphs/services/postgres.json against the real embedded PostgreSQL, as a user's own database,
in sync and queue mode (a real worker): the table is created, the orders are inserted as bound
parameters (the name that looks like SQL stays data) and totalled per customer."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from tests.integration.databases.test_postgres import PASSWORD, ROLE, credential, user_database
from tests.integration.services.test_service_examples import run_example

__all__ = ["user_database"]  # the fixture, imported for pytest

INJECTION = "Robert'); DROP TABLE kyra_example_orders; --"
#: The example's totals after its first run and after its second (the orders inserted again).
TOTALS_AFTER_TWO_RUNS = [
    [{"customer": "Ana", "orders": 1, "total": "120.50"},
     {"customer": "Bo", "orders": 1, "total": "19.90"},
     {"customer": INJECTION, "orders": 1, "total": "1.00"}],
    [{"customer": "Ana", "orders": 2, "total": "241.00"},
     {"customer": "Bo", "orders": 2, "total": "39.80"},
     {"customer": INJECTION, "orders": 2, "total": "2.00"}],
]  # fmt: skip


async def test_the_postgres_example(
    api: httpx.AsyncClient, worker: Any, user_database: dict[str, Any]
) -> None:
    credential_id = await credential(api, user_database)

    outputs = await run_example(api, "postgres", "postgres", credential_id, {"min_amount": "1"})

    assert [o["totals"]["rows"] for o in outputs] == TOTALS_AFTER_TWO_RUNS
    connection = await asyncpg.connect(
        host=user_database["host"], port=int(user_database["port"]), user=ROLE,
        password=PASSWORD, database=user_database["database"],
    )  # fmt: skip
    try:
        assert await connection.fetchval("SELECT count(*) FROM kyra_example_orders") == 6
    finally:
        await connection.close()
