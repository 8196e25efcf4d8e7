"""Change a user's PostgreSQL database: one statement (INSERT, UPDATE, DELETE, DDL), once or
once per parameter set, in one transaction, with values bound as parameters."""

from __future__ import annotations

from typing import Any

import asyncpg

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import once
from kyra_nodes.postgres._postgres import bind, connect, failure, row
from kyra_nodes.shared.sql import MAX_ROWS, ExecuteParams

SPEC = NodeSpec(
    type="Postgres.execute",
    title="PostgreSQL: execute",
    category="Databases",
    icon="database",
    description="Run one SQL statement that changes a PostgreSQL database (INSERT, UPDATE, "
    "DELETE, DDL), with values bound to $1, $2 … placeholders, once or once per parameter set "
    "in one transaction; writes for real, once per run. Returns affected rows and RETURNING rows.",
    params=ExecuteParams,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="{status, affected, rows}")],
    credentials=[CredentialRef("postgres")],
    raw_params=frozenset({"sql"}),
    timeout_s=300,
)


def affected(status: str) -> int:
    """Rows a command tag reports ("INSERT 0 3" → 3, "UPDATE 2" → 2, "CREATE TABLE" → 0)."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


async def _write(connection: asyncpg.Connection, params: ExecuteParams) -> dict[str, Any]:
    result: dict[str, Any] = {"status": "", "affected": 0, "rows": []}
    async with connection.transaction():
        statement = await connection.prepare(params.sql)
        for values in params.parameter_sets or [params.parameters]:
            records = await statement.fetch(*bind(statement, values))
            result["rows"] += [row(r) for r in records][: MAX_ROWS - len(result["rows"])]
            result["status"] = statement.get_statusmsg()
            result["affected"] += affected(result["status"])
    return result


@SPEC.handler
async def execute(
    ctx: NodeContext, params: ExecuteParams, inputs: dict[str, Any]
) -> dict[str, Any]:
    async def write() -> dict[str, Any]:
        async with connect(ctx, timeout_ms=params.timeout_ms) as connection:
            try:
                return await _write(connection, params)
            except Exception as exc:
                raise failure("execute", exc, timeout_ms=params.timeout_ms) from None

    return {"out": await once(ctx, "execute", write)}
