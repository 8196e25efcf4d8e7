"""What the Sheets nodes share: the spreadsheet and A1 range params, the values path, and rows
as objects keyed by a header row."""

from __future__ import annotations

import re
from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kyra.credentials import ServiceClient
from kyra_nodes._service import Service, call

SHEETS = Service("Google Sheets")
#: A1 notation: an optional sheet name (quoted when it has spaces), then cells, columns or rows
#: (``Sheet1!A1:C10``, ``'My data'!A:C``, ``Sheet1!2:5``), or a sheet name alone.
_A1 = re.compile(
    r"^(?:(?:'(?:[^']|'')+'|[^'!:]+)!)?(?:[A-Za-z]{1,3}\d*|\d+)(?::(?:[A-Za-z]{1,3}\d*|\d+))?$"
    r"|^(?:'(?:[^']|'')+'|[^'!:]+)$"
)


class RangeParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    spreadsheet_id: str = Field(min_length=1, description="The id in the sheet's URL (/d/<id>/)")
    range: str = Field(
        min_length=1, description="A1 range: Sheet1!A1:D100, 'My data'!A:D, or a sheet name"
    )

    @field_validator("range")
    @classmethod
    def _a1(cls, value: str) -> str:
        if not _A1.match(value.strip()):
            raise ValueError("not an A1 range (e.g. Sheet1!A1:D100, 'My data'!A:D or Sheet1)")
        return value.strip()


ValueInput = Literal["USER_ENTERED", "RAW"]
ValueRender = Literal["FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA"]


def values_path(spreadsheet_id: str, a1: str, suffix: str = "") -> str:
    return f"/v4/spreadsheets/{quote(spreadsheet_id, safe='')}/values/{quote(a1, safe='')}{suffix}"


def sheet_of(a1: str) -> str:
    """The sheet part of a range (``'My data'!A:D`` → ``'My data'``), or ``""``."""
    return a1.rsplit("!", 1)[0] if "!" in a1 else ""


async def read_values(
    client: ServiceClient, spreadsheet_id: str, a1: str, render: str = "FORMATTED_VALUE"
) -> list[list[Any]]:
    answer = await call(SHEETS, client, "GET", values_path(spreadsheet_id, a1),
                        what="values.get", params={"majorDimension": "ROWS",
                                                   "valueRenderOption": render})  # fmt: skip
    return list(answer.get("values") or [])


def as_objects(rows: list[list[Any]]) -> list[dict[str, Any]]:
    """Rows under a header row as objects (missing trailing cells are empty strings)."""
    if not rows:
        return []
    header = [str(h) for h in rows[0]]
    return [{key: (row[i] if i < len(row) else "") for i, key in enumerate(header)}
            for row in rows[1:]]  # fmt: skip


def as_rows(items: list[Any], header: list[str]) -> list[list[Any]]:
    """Items as rows: lists as they are, objects in the order of ``header``."""
    return [[item.get(key, "") for key in header] if isinstance(item, dict) else list(item)
            for item in items]  # fmt: skip


async def header_of(client: ServiceClient, spreadsheet_id: str, a1: str) -> list[str]:
    """The first row of the range's sheet (the column names objects are written under)."""
    sheet = sheet_of(a1) or (a1 if "!" not in a1 and not re.match(r"^[A-Za-z]{1,3}\d", a1) else "")
    first = await read_values(client, spreadsheet_id, f"{sheet}!1:1" if sheet else "1:1")
    return [str(h) for h in (first[0] if first else [])]


def update_summary(updates: dict[str, Any]) -> dict[str, Any]:
    """What a write changed, from Google's ``UpdateValuesResponse``."""
    return {"updated_range": updates.get("updatedRange"),
            "updated_rows": updates.get("updatedRows", 0),
            "updated_cells": updates.get("updatedCells", 0)}  # fmt: skip
