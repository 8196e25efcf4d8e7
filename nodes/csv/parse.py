"""Read CSV text or a stored CSV file into a list of items."""

from __future__ import annotations

import asyncio
import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kyra.context import NodeContext, is_file_ref
from kyra.errors import NodeError
from kyra.spec import NodeSpec, Port, PortType
from kyra_nodes.shared.items import pick, response_body
from kyra_nodes.shared.values import to_number


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: Any = Field(
        None, description="CSV text or a file reference; defaults to the incoming value"
    )
    delimiter: str = Field(",", min_length=1, max_length=1, description="Field separator")
    quote_char: str = Field('"', min_length=1, max_length=1, description="Quote character")
    header: bool = Field(True, description="The first row names the columns")
    columns: list[str] = Field(
        default_factory=list, description="Column names to use (instead of, or without, a header)"
    )
    numbers: bool = Field(False, description="Turn numeric cells into numbers")
    skip_empty_rows: bool = Field(True, description="Leave out rows with no values")
    encoding: str = Field("utf-8-sig", description="Text encoding of a file")
    max_rows: int = Field(100_000, ge=1, le=10_000_000, description="Fail past this many rows")

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, name: str) -> str:
        try:
            codecs.lookup(name)
        except LookupError:
            raise ValueError(f"unknown encoding {name!r}") from None
        return name


SPEC = NodeSpec(
    type="CSV.parse",
    title="Parse CSV",
    category="Files",
    icon="table",
    description=(
        "Read CSV text or a stored CSV file into a list of objects, one per row, keyed by the "
        "header row (or given column names; col_1, col_2 … otherwise)."
    ),
    params=Params,
    inputs=[Port("in", description="CSV text, a file reference or an HTTP.request output")],
    outputs=[Port("out", PortType.list, description="One object per row")],
    pure=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    source = response_body(pick(params.source, inputs))
    if is_file_ref(source):
        async with ctx.files.open(source) as handle:
            text = io.TextIOWrapper(handle, encoding=params.encoding, newline="")
            return {"out": await asyncio.to_thread(_rows, text, params)}
    if not isinstance(source, str):
        raise NodeError(
            f"expected CSV text or a file, got {type(source).__name__}",
            details={"field": "source"},
        )
    return {"out": _rows(io.StringIO(source, newline=""), params)}


def _rows(lines: Iterable[str], params: Params) -> list[dict[str, Any]]:
    try:
        return list(_read(lines, params))
    except (csv.Error, UnicodeDecodeError) as exc:
        raise NodeError(f"invalid CSV: {exc}") from None


def _read(lines: Iterable[str], params: Params) -> Iterator[dict[str, Any]]:
    reader = csv.reader(lines, delimiter=params.delimiter, quotechar=params.quote_char)
    names = list(params.columns)
    if params.header:
        first = next(reader, None)
        names = names or [name.strip() for name in first or []]
    for count, row in enumerate(reader, start=1):
        if count > params.max_rows:
            raise NodeError(f"more than {params.max_rows} rows (raise max_rows)")
        if params.skip_empty_rows and not any(cell.strip() for cell in row):
            continue
        keys = names + [f"col_{i + 1}" for i in range(len(names), len(row))]
        cells = row + [""] * (len(keys) - len(row))  # short rows: empty cells
        yield {key: _cell(cell, params) for key, cell in zip(keys, cells, strict=True)}


def _cell(cell: str, params: Params) -> Any:
    if params.numbers:
        number = to_number(cell)
        if number is not None:
            return number
    return cell
