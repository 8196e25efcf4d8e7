"""Read the rows of an Excel (XLSX) sheet from a stored file into a list of items."""

from __future__ import annotations

import asyncio
import zipfile
from datetime import date, datetime, time, timedelta
from typing import Any, BinaryIO

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext, is_file_ref
from kyra.errors import NodeError
from kyra.spec import NodeSpec, Port, PortType
from kyra_nodes.shared.items import pick, response_body


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file: Any = Field(None, description="File reference of an .xlsx file; defaults to the input")
    sheet: str = Field("", description="Sheet name; empty reads the first sheet")
    header: bool = Field(True, description="The first row names the columns")
    skip_empty_rows: bool = Field(True, description="Leave out rows with no values")
    max_rows: int = Field(100_000, ge=1, le=1_000_000, description="Fail past this many rows")


SPEC = NodeSpec(
    type="Spreadsheet.read",
    title="Read spreadsheet",
    category="Files",
    icon="sheet",
    description=(
        "Read a sheet of a stored Excel (.xlsx) file into a list of objects, one per row, keyed "
        "by the header row (col_1, col_2 … without one); dates become ISO 8601 text."
    ),
    params=Params,
    inputs=[Port("in", description="File reference, or an HTTP.request that saved a file")],
    outputs=[Port("out", PortType.list, description="One object per row")],
    pure=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    ref = response_body(pick(params.file, inputs))
    if not is_file_ref(ref):
        raise NodeError('file must be a file reference {"$file": …}', details={"field": "file"})
    async with ctx.files.open(ref) as handle:
        return {"out": await asyncio.to_thread(_read, handle, params)}


def _read(handle: BinaryIO, params: Params) -> list[dict[str, Any]]:
    # openpyxl weighs about 15 MB: only processes that read a spreadsheet load it.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(handle, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise NodeError(f"not a readable .xlsx file: {exc}") from None
    try:
        if params.sheet and params.sheet not in book.sheetnames:
            raise NodeError(
                f"no sheet {params.sheet!r}; the file has {book.sheetnames}",
                details={"field": "sheet"},
            )
        sheet = book[params.sheet] if params.sheet else book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        first = next(rows, ()) if params.header else ()
        names = [_text(v) or f"col_{i + 1}" for i, v in enumerate(first)]
        out: list[dict[str, Any]] = []
        for row in rows:
            if params.skip_empty_rows and all(v is None or v == "" for v in row):
                continue
            if len(out) >= params.max_rows:
                raise NodeError(f"more than {params.max_rows} rows (raise max_rows)")
            keys = names + [f"col_{i + 1}" for i in range(len(names), len(row))]
            cells = list(row) + [None] * (len(keys) - len(row))  # short rows: empty cells
            out.append({key: _json(value) for key, value in zip(keys, cells, strict=True)})
        return out
    finally:
        book.close()


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _text(value: Any) -> str:
    return "" if value is None else str(_json(value)).strip()
