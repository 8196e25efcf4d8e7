"""Write a list of items as an Excel (XLSX) file."""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import AsyncIterator
from typing import IO, Any

from pydantic import Field

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port, PortType
from kyra_nodes.shared.items import MISSING, get_path, pick
from kyra_nodes.shared.tables import TableParams, table_from

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Params(TableParams):
    sheet: str = Field("Sheet1", min_length=1, max_length=31, description="Sheet name")
    file_name: str = Field("data.xlsx", description="Name of the stored file")


SPEC = NodeSpec(
    type="Spreadsheet.write",
    title="Write spreadsheet",
    category="Files",
    icon="sheet",
    description=(
        "Write a list of objects as an Excel (.xlsx) file, one row per item and one column per "
        "key (nested values as JSON), and output the stored file's reference."
    ),
    params=Params,
    inputs=[Port("in", PortType.list, description="Items")],
    outputs=[Port("out", PortType.object, description="File reference")],
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    items, columns = table_from(pick(params.items, inputs), params.columns)
    with tempfile.TemporaryFile() as spool:
        await asyncio.to_thread(_write, spool, items, columns, params)
        ref = await ctx.files.save(_chunks(spool), name=params.file_name, mime=_XLSX)
    return {"out": ref}


def _write(
    spool: IO[bytes], items: list[dict[str, Any]], columns: list[str], params: Params
) -> None:
    from openpyxl import Workbook  # about 15 MB: loaded by the processes that write one

    book = Workbook(write_only=True)
    sheet = book.create_sheet(params.sheet)
    if params.header:
        sheet.append(columns)
    for item in items:
        sheet.append([_cell(get_path(item, column)) for column in columns])
    book.save(spool)
    spool.seek(0)


async def _chunks(spool: IO[bytes]) -> AsyncIterator[bytes]:
    while chunk := await asyncio.to_thread(spool.read, 1 << 16):
        yield chunk


def _cell(value: Any) -> Any:
    if value is MISSING or value is None:
        return None
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value
