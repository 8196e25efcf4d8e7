"""Read rows from a user's PostgreSQL database: one statement, values bound as parameters, in
a read-only transaction, rows as JSON."""

from __future__ import annotations

from typing import Any

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes.postgres._postgres import bind, connect, failure, row
from kyra_nodes.shared.sql import QueryParams

SPEC = NodeSpec(
    type="Postgres.query",
    title="PostgreSQL: query",
    category="Databases",
    icon="database",
    description="Run one read-only SQL statement on a PostgreSQL database with values bound to "
    "$1, $2 … placeholders and return the rows as JSON (numeric as text, times as ISO 8601). "
    "Changes nothing.",
    params=QueryParams,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="{rows, count, columns, truncated}")],
    credentials=[CredentialRef("postgres")],
    raw_params=frozenset({"sql"}),
    retries=1,
    timeout_s=120,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: QueryParams, inputs: dict[str, Any]) -> dict[str, Any]:
    async with connect(ctx, timeout_ms=params.timeout_ms) as connection:
        try:
            async with connection.transaction(readonly=True):
                statement = await connection.prepare(params.sql)
                cursor = await statement.cursor(*bind(statement, params.parameters))
                records = await cursor.fetch(params.limit + 1)
                columns = [a.name for a in statement.get_attributes()]
        except Exception as exc:
            raise failure("query", exc, timeout_ms=params.timeout_ms) from None
    rows = [row(r) for r in records[: params.limit]]
    return {"out": {"rows": rows, "count": len(rows), "columns": columns,
                    "truncated": len(records) > params.limit}}  # fmt: skip
