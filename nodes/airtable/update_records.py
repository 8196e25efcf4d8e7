"""Update records of an Airtable table by id (only the given fields, or replacing all), in
batches of 10."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import call, param_error
from kyra_nodes.airtable._airtable import AIRTABLE, TableParams, in_batches, records_of, table_path
from kyra_nodes.shared.items import require_object


class Params(TableParams):
    records: list[dict[str, Any]] | None = Field(
        None, description='[{"id": "rec…", "fields": {…}}]; else the items on in'
    )
    replace: bool = Field(
        False, description="Clear the fields not given (PUT) instead of keeping them (PATCH)"
    )
    typecast: bool = Field(False, description="Let Airtable convert text to the field types")


SPEC = NodeSpec(
    type="Airtable.update_records",
    title="Airtable: update records",
    category="Databases",
    icon="record",
    description="Update Airtable records by id with new field values (10 per request), keeping "
    "other fields unless replace is set; writes for real, each batch once per run.",
    params=Params,
    inputs=[Port("in", description="{id, fields} objects, when records is not set")],
    outputs=[
        Port("out", PortType.object, description="{records: [{id, createdTime, fields}], count}")
    ],
    credentials=[CredentialRef("airtable")],
    retries=3,
    timeout_s=300,
)


def _update(record: Any, index: int) -> dict[str, Any]:
    item = require_object(record, index, name="records")
    if not isinstance(item.get("id"), str) or not isinstance(item.get("fields"), dict):
        raise param_error(f"records[{index}]: give an id and a fields object")
    return {"id": item["id"], "fields": item["fields"]}


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    updates = [_update(r, i) for i, r in enumerate(records_of(params.records, inputs))]
    client = await ctx.service("airtable")
    method = "PUT" if params.replace else "PATCH"

    async def update(batch: list[Any]) -> list[Any]:
        answer = await call(AIRTABLE, client, method, table_path(params), what="records.update",
                            json={"records": batch, "typecast": params.typecast})  # fmt: skip
        return list(answer.get("records") or [])

    updated = await in_batches(ctx, updates, update)
    return {"out": {"records": updated, "count": len(updated)}}
