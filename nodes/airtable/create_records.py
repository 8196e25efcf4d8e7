"""Create records in an Airtable table, in batches of 10."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import call
from kyra_nodes.airtable._airtable import AIRTABLE, TableParams, in_batches, records_of, table_path
from kyra_nodes.shared.items import require_object


class Params(TableParams):
    records: list[dict[str, Any]] | None = Field(
        None, description='The new records\' fields ({"Name": "Ada"}); else the items on in'
    )
    typecast: bool = Field(False, description="Let Airtable convert text to the field types")


SPEC = NodeSpec(
    type="Airtable.create_records",
    title="Airtable: create records",
    category="Databases",
    icon="record",
    description="Create records in an Airtable table from a list of field objects (sent 10 at "
    "a time); writes for real, each batch once per run.",
    params=Params,
    inputs=[Port("in", description="Field objects, when records is not set")],
    outputs=[
        Port("out", PortType.object, description="{records: [{id, createdTime, fields}], count}")
    ],
    credentials=[CredentialRef("airtable")],
    retries=3,
    timeout_s=300,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    fields = [require_object(r, i, name="records")
              for i, r in enumerate(records_of(params.records, inputs))]  # fmt: skip
    client = await ctx.service("airtable")

    async def create(batch: list[Any]) -> list[Any]:
        body = {"records": [{"fields": f} for f in batch], "typecast": params.typecast}
        answer = await call(AIRTABLE, client, "POST", table_path(params), what="records.create",
                            json=body)  # fmt: skip
        return list(answer.get("records") or [])

    created = await in_batches(ctx, fields, create)
    return {"out": {"records": created, "count": len(created)}}
