"""Append rows after the last row of a table in a Google Sheet (``values.append``)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import call, once, param_error
from kyra_nodes.shared.items import items_from, pick
from kyra_nodes.sheets._sheets import (
    SHEETS,
    RangeParams,
    ValueInput,
    as_rows,
    header_of,
    update_summary,
    values_path,
)


class Params(RangeParams):
    rows: list[Any] | None = Field(
        None,
        description="Lists of cell values, or objects written under the sheet's header "
        "row; else the items on in",
    )
    value_input: ValueInput = Field(
        "USER_ENTERED", description="USER_ENTERED: parsed as if typed (dates, formulas); RAW: as is"
    )


SPEC = NodeSpec(
    type="Sheets.append_rows",
    title="Google Sheets: append rows",
    category="Files",
    icon="sheet",
    description="Append rows (lists, or objects matched to the header row) after the table in "
    "a Google Sheet range; writes for real, once per run.",
    params=Params,
    inputs=[Port("in", description="Rows, when rows is not set")],
    outputs=[
        Port("out", PortType.object, description="{updated_range, updated_rows, updated_cells}")
    ],
    credentials=[CredentialRef("google_sheets")],
    retries=3,
    timeout_s=60,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    items = items_from(pick(params.rows, inputs), name="rows")
    if not items:
        raise param_error("rows: give at least one row")
    client = await ctx.service("google_sheets")
    header: list[str] = []
    if any(isinstance(item, dict) for item in items):
        header = await header_of(client, params.spreadsheet_id, params.range)
        if not header:
            raise param_error("rows: objects need a header row in the sheet to match their keys")
    path = values_path(params.spreadsheet_id, params.range, ":append")
    query = {"valueInputOption": params.value_input, "insertDataOption": "INSERT_ROWS"}
    answer = await once(ctx, "append", call, SHEETS, client, "POST", path, what="values.append",
                        params=query, json={"majorDimension": "ROWS",
                                            "values": as_rows(items, header)})  # fmt: skip
    return {"out": update_summary(answer.get("updates") or {})}
