"""JSON scalar types that refuse what pydantic's lax mode would convert: a stored setting that
says ``true`` where a number belongs is a mistake to name, not a ``1`` to keep.

Not pydantic's ``Strict()``: Litestar validates bodies with ``strict=False``, which overrides it.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator

__all__ = ["Flag", "Integer", "Number"]


def _json_type(types: type | tuple[type, ...], name: str) -> BeforeValidator:
    def check(value: Any) -> Any:
        if isinstance(value, bool) != (types is bool) or not isinstance(value, types):
            raise ValueError(f"must be a JSON {name}")
        return value

    return BeforeValidator(check)


def _integral(value: Any) -> Any:
    """JSON (and JSON Schema's ``integer``) has no separate integer type: ``3.0`` is ``3``."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Integer = Annotated[int, _json_type(int, "integer"), BeforeValidator(_integral)]
"""A JSON integer (``3.0`` included): ``true``, ``3.5`` or ``"3"`` is refused (pydantic's lax
mode takes ``true`` and ``"3"``)."""

Number = Annotated[float, _json_type((int, float), "number")]
"""A JSON number (integers too), but not ``true`` or ``"0.5"``."""

Flag = Annotated[bool, _json_type(bool, "boolean")]
"""A JSON boolean: ``1`` or ``"yes"`` is refused."""
