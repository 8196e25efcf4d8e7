"""Write a list of items as CSV text or as a stored CSV file."""

from __future__ import annotations

import csv
import io
from typing import Any, Literal

from pydantic import Field

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port
from kyra_nodes.shared.items import MISSING, get_path, pick
from kyra_nodes.shared.tables import TableParams, table_from
from kyra_nodes.shared.values import to_text

_QUOTING: dict[str, Literal[0, 1, 2, 3]] = {
    "minimal": csv.QUOTE_MINIMAL,
    "all": csv.QUOTE_ALL,
    "nonnumeric": csv.QUOTE_NONNUMERIC,
}


class Params(TableParams):
    delimiter: str = Field(",", min_length=1, max_length=1, description="Field separator")
    quoting: Literal["minimal", "all", "nonnumeric"] = Field(
        "minimal", description="Which cells to quote"
    )
    output: Literal["text", "file"] = Field("text", description="CSV text, or a stored file")
    file_name: str = Field("data.csv", description="Name of the stored file")


SPEC = NodeSpec(
    type="CSV.build",
    title="Build CSV",
    category="Files",
    icon="table",
    description=(
        "Write a list of objects as CSV (one row per item; nested values as JSON) and output "
        "the text or a stored file."
    ),
    params=Params,
    inputs=[Port("in", description="Items")],
    outputs=[Port("out", description="CSV text or a file reference")],
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    items, columns = table_from(pick(params.items, inputs), params.columns)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=params.delimiter, quoting=_QUOTING[params.quoting])
    if params.header:
        writer.writerow(columns)
    for item in items:
        writer.writerow([_cell(get_path(item, column)) for column in columns])
    text = buffer.getvalue()
    if params.output == "file":
        return {"out": await ctx.files.save(text.encode(), name=params.file_name, mime="text/csv")}
    return {"out": text}


def _cell(value: Any) -> Any:
    if value is MISSING or value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return to_text(value)
