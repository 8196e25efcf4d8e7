"""Read rows from a user's MySQL database: one statement, values as parameters, in a read-only
transaction, rows as JSON."""

from __future__ import annotations

from typing import Any

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes.mysql._mysql import connect, failure, rows_of
from kyra_nodes.shared.sql import QueryParams

SPEC = NodeSpec(
    type="MySQL.query",
    title="MySQL: query",
    category="Databases",
    icon="database",
    description="Run one read-only SQL statement on a MySQL or MariaDB database with values "
    "passed for %s placeholders and return the rows as JSON (decimals as text, times as ISO "
    "8601). Changes nothing.",
    params=QueryParams,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="{rows, count, columns, truncated}")],
    credentials=[CredentialRef("mysql")],
    raw_params=frozenset({"sql"}),
    retries=1,
    timeout_s=120,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: QueryParams, inputs: dict[str, Any]) -> dict[str, Any]:
    async with connect(ctx, timeout_ms=params.timeout_ms) as connection:
        try:
            async with connection.cursor() as cursor:
                await cursor.execute("START TRANSACTION READ ONLY")
                await cursor.execute(params.sql, params.parameters or None)
                records = await cursor.fetchmany(params.limit + 1)
                columns = [c[0] for c in cursor.description or []]
                rows = rows_of(cursor, list(records[: params.limit]))
                await connection.rollback()
        except Exception as exc:
            raise failure("query", exc) from None
    return {"out": {"rows": rows, "count": len(rows), "columns": columns,
                    "truncated": len(records) > params.limit}}  # fmt: skip
