"""Change a user's MySQL database: one statement, once or once per parameter set, in one
transaction, with values passed as parameters."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import once
from kyra_nodes.mysql._mysql import connect, failure
from kyra_nodes.shared.sql import ExecuteParams

SPEC = NodeSpec(
    type="MySQL.execute",
    title="MySQL: execute",
    category="Databases",
    icon="database",
    description="Run one SQL statement that changes a MySQL or MariaDB database (INSERT, "
    "UPDATE, DELETE, DDL), with values passed for %s placeholders, once or once per parameter "
    "set in one transaction; writes for real, once per run.",
    params=ExecuteParams,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="{affected, last_insert_id}")],
    credentials=[CredentialRef("mysql")],
    raw_params=frozenset({"sql"}),
    timeout_s=300,
)


@SPEC.handler
async def execute(
    ctx: NodeContext, params: ExecuteParams, inputs: dict[str, Any]
) -> dict[str, Any]:
    async def write() -> dict[str, Any]:
        async with connect(ctx, timeout_ms=params.timeout_ms) as connection:
            try:
                async with connection.cursor() as cursor:
                    affected = 0
                    for values in params.parameter_sets or [params.parameters]:
                        affected += await cursor.execute(params.sql, values or None)
                    last_id = cursor.lastrowid
                await connection.commit()
            except Exception as exc:
                with suppress(Exception):  # the connection may be gone; the error matters
                    await connection.rollback()
                raise failure("execute", exc) from None
        return {"affected": affected, "last_insert_id": last_id}

    return {"out": await once(ctx, "execute", write)}
