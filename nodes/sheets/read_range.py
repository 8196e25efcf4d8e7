"""Read the values of an A1 range of a Google Sheet, as rows or as objects under a header row."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes.sheets._sheets import RangeParams, ValueRender, as_objects, read_values


class Params(RangeParams):
    header_row: bool = Field(True, description="The first row names the columns: give objects")
    value_render: ValueRender = Field(
        "FORMATTED_VALUE", description="Values as shown, raw (numbers as numbers) or formulas"
    )


SPEC = NodeSpec(
    type="Sheets.read_range",
    title="Google Sheets: read range",
    category="Files",
    icon="sheet",
    description="Read the cells of an A1 range of a Google Sheet: rows as objects keyed by the "
    "header row (or as lists). Changes nothing.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.list, description="Objects, or lists of cell values")],
    credentials=[CredentialRef("google_sheets")],
    retries=3,
    timeout_s=60,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    client = await ctx.service("google_sheets")
    rows = await read_values(client, params.spreadsheet_id, params.range, params.value_render)
    return {"out": as_objects(rows) if params.header_row else rows}
