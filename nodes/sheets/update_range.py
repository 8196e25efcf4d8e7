"""Overwrite the cells of an A1 range of a Google Sheet (``values.update``)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import call, param_error
from kyra_nodes.shared.items import items_from, pick
from kyra_nodes.sheets._sheets import SHEETS, RangeParams, ValueInput, update_summary, values_path


class Params(RangeParams):
    values: list[list[Any]] | None = Field(
        None, description="Rows of cell values from the range's top-left cell; else the rows on in"
    )
    value_input: ValueInput = Field(
        "USER_ENTERED", description="USER_ENTERED: parsed as if typed (dates, formulas); RAW: as is"
    )


SPEC = NodeSpec(
    type="Sheets.update_range",
    title="Google Sheets: update range",
    category="Files",
    icon="sheet",
    description="Write rows of values into an A1 range of a Google Sheet, replacing what the "
    "cells held; writes for real (the same values again on a retry).",
    params=Params,
    inputs=[Port("in", description="Rows, when values is not set")],
    outputs=[
        Port("out", PortType.object, description="{updated_range, updated_rows, updated_cells}")
    ],
    credentials=[CredentialRef("google_sheets")],
    retries=3,
    timeout_s=60,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    rows = items_from(pick(params.values, inputs), name="values")
    if not rows or not all(isinstance(row, list) for row in rows):
        raise param_error("values: give a list of rows, each a list of cell values")
    client = await ctx.service("google_sheets")
    body = {"range": params.range, "majorDimension": "ROWS", "values": rows}
    answer = await call(SHEETS, client, "PUT", values_path(params.spreadsheet_id, params.range),
                        what="values.update", params={"valueInputOption": params.value_input},
                        json=body)  # fmt: skip
    return {"out": update_summary(answer)}
