"""The statements a worker runs per node find their rows by primary key, however many runs are
live: through the partial indexes of live runs and leased node runs, each would read every
queued and running row of the whole backlog."""

from __future__ import annotations

from typing import Any

import pytest

from kyra.db.queries import queue_runs

NOBODY = "'00000000-0000-0000-0000-000000000000'"
#: Statement, its parameter types and arguments (for PREPARE / EXECUTE).
STATEMENTS = {
    "a chain step": (
        queue_runs._record_and_continue_sql(("error", "output", "status")),
        "uuid, uuid, text, jsonb, jsonb, float8, text",
        f"{NOBODY}, {NOBODY}, 'w', '{{}}', '{{}}', 30, 'running'",
    ),
    "recording and locking the run": (
        queue_runs._record_and_lock_sql(("error", "output", "status")),
        "uuid, uuid, text, jsonb, numeric, int, int, text[], text",
        f"{NOBODY}, {NOBODY}, 'w', '{{}}', 0, 0, 0, '{{}}', 'running'",
    ),
    "recording an outcome": (
        queue_runs._record_sql(("error", "status"), first=1, running=4, locked=False),
        "uuid, text, jsonb, text",
        f"{NOBODY}, 'w', '{{}}', 'running'",
    ),
    "locking a live run": (
        queue_runs._LOCK_LIVE_RUN, "uuid, text[]", f"{NOBODY}, '{{queued,running}}'"
    ),
    "claiming a node run": (
        queue_runs._CLAIM, "uuid, text, float8, text, text",
        f"{NOBODY}, 'w', 30, 'queued', 'running'",
    ),
}  # fmt: skip
PARTIAL_INDEXES = ("ix_runs_active", "ix_node_runs_leases")


@pytest.mark.parametrize("name", STATEMENTS)
async def test_the_cached_plan_reads_no_partial_index_of_live_rows(
    services: Any, name: str
) -> None:
    statement, types, arguments = STATEMENTS[name]
    async with services.driver.connection() as connection, connection.transaction():
        # The plan every connection keeps after its first executions (PostgreSQL's generic
        # plan), on tables whose statistics are current.
        await connection.execute("ANALYZE runs, node_runs")
        await connection.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        await connection.execute(f"PREPARE hot ({types}) AS {statement}")
        try:
            plan = "\n".join(
                row[0] for row in await connection.fetch(f"EXPLAIN EXECUTE hot ({arguments})")
            )
        finally:
            await connection.execute("DEALLOCATE hot")
    assert not [index for index in PARTIAL_INDEXES if index in plan], plan
