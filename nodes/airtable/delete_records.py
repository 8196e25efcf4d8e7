"""Delete records of an Airtable table by id, in batches of 10."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import call, param_error
from kyra_nodes.airtable._airtable import AIRTABLE, TableParams, in_batches, records_of, table_path


class Params(TableParams):
    record_ids: list[str | dict[str, Any]] | None = Field(
        None,
        description="Ids of the records to delete (rec…); else the items on in (ids, "
        "or records with an id)",
    )


SPEC = NodeSpec(
    type="Airtable.delete_records",
    title="Airtable: delete records",
    category="Databases",
    icon="record",
    description="Delete Airtable records by id (10 per request); deletes for real, each batch "
    "once per run.",
    params=Params,
    inputs=[Port("in", description="Record ids or records, when record_ids is not set")],
    outputs=[Port("out", PortType.object, description="{deleted: [ids], count}")],
    credentials=[CredentialRef("airtable")],
    retries=3,
    timeout_s=300,
)


def _record_id(value: Any, index: int) -> str:
    found = value.get("id") if isinstance(value, dict) else value
    if not isinstance(found, str) or not found:
        raise param_error(f"record_ids[{index}]: not a record id")
    return found


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    given = params.record_ids if params.record_ids is not None else inputs.get("in")
    ids = [_record_id(v, i) for i, v in enumerate(records_of(given, {}))]
    client = await ctx.service("airtable")

    async def delete(batch: list[Any]) -> list[Any]:
        answer = await call(AIRTABLE, client, "DELETE", table_path(params), what="records.delete",
                            params=[("records[]", record_id) for record_id in batch])  # fmt: skip
        return [r["id"] for r in answer.get("records") or [] if r.get("deleted")]

    deleted = await in_batches(ctx, ids, delete)
    return {"out": {"deleted": deleted, "count": len(deleted)}}
