"""What the Airtable nodes share: the table's path, records taken from a param or the input,
and writes in batches of at most 10 records (Airtable's limit per request), each batch
recorded once so a retry never writes it twice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra_nodes._service import Service, once
from kyra_nodes.shared.items import items_from, pick

AIRTABLE = Service("Airtable")
#: Most records Airtable accepts in one create, update or delete request.
BATCH = 10


class TableParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_id: str = Field(min_length=1, description="The base, e.g. appXXXXXXXXXXXXXX")
    table: str = Field(min_length=1, description="Table name or id (tblXXXXXXXXXXXXXX)")


def table_path(params: TableParams) -> str:
    return f"/v0/{quote(params.base_id, safe='')}/{quote(params.table, safe='')}"


def records_of(param: Any, inputs: dict[str, Any]) -> list[Any]:
    """The records of the ``records`` param, else of the ``in`` input."""
    return items_from(pick(param, inputs), name="records")


async def in_batches(
    ctx: NodeContext, items: list[Any], write: Callable[[list[Any]], Awaitable[list[Any]]]
) -> list[Any]:
    """``write`` each batch of at most 10 items, once per node run; the records written."""
    written: list[Any] = []
    for start in range(0, len(items), BATCH):
        written += await once(ctx, f"batch-{start // BATCH}", write, items[start : start + BATCH])
    return written
