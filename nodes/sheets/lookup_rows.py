"""Find the rows of a Google Sheet whose column equals a value (read under the header row)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import param_error
from kyra_nodes.sheets._sheets import RangeParams, as_objects, read_values


class Params(RangeParams):
    column: str = Field(min_length=1, description="Header of the column to match")
    value: Any = Field(description="Value to find (compared as text, ignoring case with "
                       "case_sensitive false)")  # fmt: skip
    case_sensitive: bool = False
    limit: int = Field(100, ge=1, le=100_000, description="Most rows returned")


SPEC = NodeSpec(
    type="Sheets.lookup_rows",
    title="Google Sheets: look up rows",
    category="Files",
    icon="search",
    description="Find the rows of a Google Sheet range whose column (by header) equals a value, "
    "with their row numbers. Changes nothing.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.list, description="Matching rows as objects, with _row")],
    credentials=[CredentialRef("google_sheets")],
    retries=3,
    timeout_s=60,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    client = await ctx.service("google_sheets")
    rows = as_objects(await read_values(client, params.spreadsheet_id, params.range))
    if rows and params.column not in rows[0]:
        raise param_error(f"column: no column {params.column!r} in the header row")
    wanted = str(params.value) if params.case_sensitive else str(params.value).casefold()
    found = [
        {**row, "_row": number}
        for number, row in enumerate(rows, start=2)
        if (str(row[params.column]) if params.case_sensitive
            else str(row[params.column]).casefold()) == wanted
    ]  # fmt: skip
    return {"out": found[: params.limit]}
