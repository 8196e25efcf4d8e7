"""What nodes that write tables (CSV, XLSX) share: which items and which columns."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kyra_nodes.shared.items import items_from, require_object


class TableParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: Any = Field(None, description="List of objects; defaults to the incoming list")
    columns: list[str] = Field(
        default_factory=list,
        description="Dotted paths to write, in order; empty writes every key (first seen first)",
    )
    header: bool = Field(True, description="Write a header row")


def table_from(value: Any, columns: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Items that must be objects, and the columns to write: the given dotted paths, or every
    key of every item (first seen first)."""
    items = [require_object(item, index) for index, item in enumerate(items_from(value))]
    return items, columns or list(dict.fromkeys(key for item in items for key in item))
