"""The base of every response model and the field types they share."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

__all__ = ["Omitted", "ReadModel", "Timestamp"]


class ReadModel(BaseModel):
    """A response body. Unknown keys are refused, so a view that grows a key it does not
    declare fails in the tests rather than vanish from the answer."""

    model_config = ConfigDict(extra="forbid")


def _iso(value: datetime) -> str:
    return value.isoformat()


Timestamp = Annotated[
    datetime,
    # ``isoformat()`` as the API has always written them ("+00:00", not pydantic's "Z").
    PlainSerializer(_iso, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
"""A date-time with its offset, written as ``datetime.isoformat()``."""


def Omitted(description: str) -> Any:  # reads as a field type at the use site
    """A field left out of the answer (not written as null) when it has no value."""
    return Field(None, description=description, exclude_if=lambda value: value is None)
