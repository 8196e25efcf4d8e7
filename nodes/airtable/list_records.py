"""List the records of an Airtable table (following ``offset`` pages up to a limit), with an
optional view, formula, fields and sort."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import call, paginate
from kyra_nodes.airtable._airtable import AIRTABLE, TableParams, table_path

#: Largest page Airtable serves.
PAGE = 100


class Sort(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str = Field(min_length=1)
    direction: Literal["asc", "desc"] = "asc"


class Params(TableParams):
    view: str = Field("", description="Only the records of this view, in its order")
    formula: str = Field(
        "", description="filterByFormula, e.g. AND({Status} = 'Open', {Amount} > 100)"
    )
    fields: list[str] = Field(default_factory=list, description="Only these fields")
    sort: list[Sort] = Field(default_factory=list, description="Sort by these fields")
    limit: int = Field(100, ge=1, le=100_000, description="Most records returned (pages followed)")


SPEC = NodeSpec(
    type="Airtable.list_records",
    title="Airtable: list records",
    category="Databases",
    icon="record",
    description="List records of an Airtable table, optionally of a view, matching a formula, "
    "with chosen fields and sort, up to a limit. Changes nothing.",
    params=Params,
    inputs=[Port("in")],
    outputs=[
        Port("out", PortType.object, description="{records: [{id, createdTime, fields}], count}")
    ],
    credentials=[CredentialRef("airtable")],
    retries=3,
    timeout_s=120,
)


def list_query(params: Params, offset: str | None) -> list[tuple[str, str]]:
    """The query of one page (repeated keys: ``fields[]``, ``sort[0][field]`` …)."""
    query = [("pageSize", str(min(PAGE, params.limit)))]
    query += [("view", params.view)] if params.view else []
    query += [("filterByFormula", params.formula)] if params.formula else []
    query += [("fields[]", name) for name in params.fields]
    for i, sort in enumerate(params.sort):
        query += [(f"sort[{i}][field]", sort.field), (f"sort[{i}][direction]", sort.direction)]
    query += [("offset", offset)] if offset else []
    return query


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    client = await ctx.service("airtable")

    async def page(offset: str | None) -> tuple[list[Any], str | None]:
        answer = await call(AIRTABLE, client, "GET", table_path(params), what="records.list",
                            params=list_query(params, offset))  # fmt: skip
        return answer.get("records") or [], answer.get("offset")

    records = await paginate(page, limit=params.limit)
    return {"out": {"records": records, "count": len(records)}}
