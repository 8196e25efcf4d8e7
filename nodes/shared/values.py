"""Typed views of loose JSON values: numbers, booleans, text, dates, and a total sort order.

Data from webhooks, CSV files and APIs mixes ``"42"`` with ``42`` and ``"2024-05-01"`` with
epoch seconds; these functions turn a value into the wanted type or ``None`` when it is not one.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from kyra_nodes.shared.dates import parse_datetime

#: How a value is read: ``auto`` keeps the JSON type the value has.
ValueType = Literal["auto", "string", "number", "boolean", "date"]

_TRUE = frozenset({"true", "yes", "y", "on", "1"})
_FALSE = frozenset({"false", "no", "n", "off", "0"})


def to_number(value: Any) -> int | float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, str):
        text = value.strip()
        if "_" in text:  # Python reads "1_000"; people and CSV files do not mean a number
            return None
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            return None
        return None if math.isnan(number) or math.isinf(number) else number
    return None


def to_boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return None


def to_text(value: Any) -> str:
    """Text as people expect to see it: ``true`` not ``True``, JSON for objects and lists."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool | dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def to_date(value: Any) -> datetime | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None


def converter(kind: ValueType) -> Callable[[Any], Any]:
    """``coerce`` to one type, made once and called per item (numbers stay as they are)."""
    if kind == "auto":
        return lambda value: value
    if kind == "number":
        return lambda value: value if type(value) in (int, float) else to_number(value)
    return lambda value: coerce(value, kind)


def coerce(value: Any, kind: ValueType) -> Any:
    """``value`` as ``kind`` (``None`` when it is not one); ``auto`` returns it unchanged."""
    if kind == "number":
        return to_number(value)
    if kind == "boolean":
        return to_boolean(value)
    if kind == "date":
        return to_date(value)
    if kind == "string":
        return None if value is None else to_text(value)
    return value


def infer_type(value: Any) -> ValueType:
    """The type a condition's or key's value has, for ``auto`` comparisons."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "auto"


def sort_key(value: Any) -> tuple[int, Any]:
    """A key that orders any JSON values without raising: numbers, then text, then the rest.

    Booleans sort as booleans (false first); dates (``datetime``) by instant; objects and lists
    by their JSON text so that the order is at least stable.
    """
    if isinstance(value, bool):
        return (2, value)
    if isinstance(value, int | float):
        return (0, value)
    if isinstance(value, datetime):
        return (1, value.timestamp())
    if isinstance(value, str):
        return (3, value)
    return (4, json.dumps(value, sort_keys=True, ensure_ascii=False))
