"""Field types of the wire schemas: bounded numbers and text that refuses what cannot be stored.

Each bound is written once here, so it is both enforced (400 naming the field) and published
in the OpenAPI document; nothing out of range reaches PostgreSQL (whose integers stop at
2**63 - 1 and whose text refuses NUL).
"""

from __future__ import annotations

import contextlib
import re
from datetime import datetime
from typing import Annotated, Any

from litestar.exceptions import ValidationException
from litestar.params import Parameter
from pydantic import AfterValidator, Field, WithJsonSchema

from kyra.jsontypes import Flag, Integer, Number

__all__ = [
    "STORABLE_JSON",
    "Flag",
    "Integer",
    "JsonObject",
    "LimitQuery",
    "LineParameter",
    "Name",
    "Number",
    "OffsetQuery",
    "Text",
    "TimestampQuery",
    "Version",
    "VersionParameter",
    "parse_timestamp",
    "unstorable_text",
]

#: Largest list offset accepted: paging further than this is a client bug, not a request.
MAX_OFFSET = 1_000_000
#: Largest version number (an ``integer`` column).
MAX_VERSION = 2**31 - 1
#: One line of printable text: no control characters at all.
LINE_PATTERN = r"^[^\x00-\x1f\x7f]*$"
#: Free text: tabs and line breaks, but no other control character (NUL included).
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


def _valid_unicode(value: str) -> str:
    # JSON may carry lone surrogates (\ud800), which no database text column can hold.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (no lone surrogates)") from None
    return value


Name = Annotated[
    str, Field(min_length=1, max_length=200, pattern=LINE_PATTERN), AfterValidator(_valid_unicode)
]
"""A name shown in lists: one line of 1-200 printable characters."""

Text = Annotated[str, Field(pattern=TEXT_PATTERN), AfterValidator(_valid_unicode)]
"""Free text (descriptions, prompts, comments): line breaks allowed, other controls refused.
Add ``max_length`` where it is declared."""


Version = Annotated[Integer, Field(ge=1, le=MAX_VERSION)]
"""A graph version number."""

OffsetQuery = Annotated[int, Parameter(ge=0, le=MAX_OFFSET, description="Rows to skip")]
"""An ``offset`` query parameter: ``offset: OffsetQuery = 0``."""

LimitQuery = Annotated[int, Parameter(ge=1, le=500, description="Rows to return")]
"""A ``limit`` query parameter: ``limit: LimitQuery = 50``."""

LineParameter = Annotated[str, Parameter(min_length=1, max_length=200, pattern=LINE_PATTERN)]
"""A path or query parameter of printable text (no NUL, no control characters)."""

#: An RFC 3339 date-time with its offset (``Z`` or ``+hh:mm``), as ``format: date-time`` says.
RFC3339 = r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$"

TimestampQuery = Annotated[
    str,
    Parameter(
        pattern=RFC3339,
        description="RFC 3339 date-time, e.g. 2026-11-26T00:00:00Z",
        schema_extra={"format": "date-time"},
    ),
]
"""A date-time query parameter, strictly RFC 3339 (``0.5`` is not a time); see
:func:`parse_timestamp`."""


def parse_timestamp(value: str | None, field: str) -> datetime | None:
    """The aware datetime of a :data:`TimestampQuery` value.

    Raises:
        ValidationException: ``value`` is not an RFC 3339 date-time (a 400 naming ``field``).
    """
    if value is None:
        return None
    if re.fullmatch(RFC3339, value):
        # fromisoformat() in 3.11 takes "Z" but at most 6 fraction digits.
        text = re.sub(r"(\.\d{6})\d+", r"\1", value.upper().replace(" ", "T"))
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(text)
    message = "must be an RFC 3339 date-time such as 2026-11-26T00:00:00Z"
    raise ValidationException(f"{field} {message}", extra=[{"key": field, "message": message}])


VersionParameter = Annotated[int, Parameter(ge=1, le=MAX_VERSION)]
"""A version number in a path or query."""


def unstorable_text(value: Any, path: str = "") -> str | None:
    """The path (``a.b.0``) of the first key or string in a JSON value that PostgreSQL cannot
    store (a NUL or a lone surrogate), or None when every one is storable."""
    if isinstance(value, str):
        return None if _storable(value) else path
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        where = f"{path}.{key}" if path else str(key)
        if isinstance(key, str) and not _storable(key):
            return where
        found = unstorable_text(item, where)
        if found is not None:
            return found
    return None


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _storable_json(value: Any) -> Any:
    where = unstorable_text(value)
    if where is not None:
        raise ValueError(f"text at {where or 'the top'} holds a NUL or a lone surrogate")
    return value


#: Text PostgreSQL stores (JSON Schema cannot name lone surrogates; generators make none).
_NO_NUL = {"pattern": r"^[^\x00]*$"}
#: The component every :data:`JsonObject` refers to: any JSON value whose keys and strings,
#: at any depth, hold no NUL (published in the OpenAPI document by :mod:`kyra.api.openapi`).
STORABLE_JSON: dict[str, Any] = {
    "description": "Any JSON value; no key or string in it may hold a NUL character",
    "anyOf": [
        {"type": "string", **_NO_NUL},
        {"type": ["number", "boolean", "null"]},
        {"type": "array", "items": {"$ref": "#/components/schemas/StorableJson"}},
        {
            "type": "object",
            "propertyNames": _NO_NUL,
            "additionalProperties": {"$ref": "#/components/schemas/StorableJson"},
        },
    ],
}

JsonObject = Annotated[
    dict[str, Any],
    AfterValidator(_storable_json),
    WithJsonSchema(
        {
            "type": "object",
            "propertyNames": _NO_NUL,
            "additionalProperties": {"$ref": "#/components/schemas/StorableJson"},
        }
    ),
]
"""A free-form JSON object stored as it is: no NUL and no lone surrogate anywhere in it."""
