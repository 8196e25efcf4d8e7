"""Items (the lists of JSON values data nodes take and give) and dotted paths into them.

A path is dot-separated keys, with numbers indexing lists: ``customer.address.city``,
``lines.0.sku``. A key that itself contains dots is found when the whole path is that key.
The empty path is the item itself. Handlers never mutate their inputs: ``with_path`` and
``without_path`` copy only the objects along the path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from kyra.errors import NodeError


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


#: What ``get_path`` returns for a path that leads nowhere (unlike a present ``null``).
MISSING: Final = _Missing()


def items_from(value: Any, *, name: str = "items") -> list[Any]:
    """The items of a param or an input: a list as is, one object as one item, null as none."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list):
        raise NodeError(
            f"{name} must be a list of objects, got {type(value).__name__}",
            details={"field": name},
        )
    return value


def pick(param: Any, inputs: dict[str, Any], port: str = "in") -> Any:
    """A param when given, else what arrived on ``port`` (nodes double as tools this way)."""
    return param if param is not None else inputs.get(port)


def response_body(value: Any) -> Any:
    """The body of an ``HTTP.request`` output (``{status, headers, body}``), else ``value``:
    a node wired after a download reads what was downloaded."""
    if isinstance(value, dict) and {"status", "headers", "body"} <= value.keys():
        return value["body"]
    return value


def require_object(item: Any, index: int, *, name: str = "items") -> dict[str, Any]:
    if not isinstance(item, dict):
        raise NodeError(
            f"{name}[{index}] is {_kind(item)}, not an object",
            details={"index": index, "field": name},
        )
    return item


def item_error(index: int, path: str, message: str, *, name: str = "items") -> NodeError:
    """An error naming the item and the field, e.g. ``items[3].price: 'abc' is not a number``."""
    where = f"{name}[{index}].{path}" if path else f"{name}[{index}]"
    return NodeError(f"{where}: {message}", details={"index": index, "field": path})


def split_path(path: str) -> list[str]:
    return [part for part in path.split(".") if part != ""] if path else []


def getter(path: str) -> Callable[[Any], Any]:
    """``get_path`` for one path, made once and called per item (a plain key is one lookup)."""
    if not path:
        return lambda value: value
    if "." not in path:
        return lambda value: value.get(path, MISSING) if type(value) is dict else MISSING
    return lambda value: get_path(value, path)


def get_path(value: Any, path: str) -> Any:
    """The value at ``path`` inside ``value``, or ``MISSING``."""
    if not path:
        return value
    if isinstance(value, dict):
        found = value.get(path, MISSING)
        if found is not MISSING or "." not in path:
            return found
    for part in split_path(path):
        if isinstance(value, dict):
            if part not in value:
                return MISSING
            value = value[part]
        elif isinstance(value, list) and _is_index(part):
            index = int(part)
            if not -len(value) <= index < len(value):
                return MISSING
            value = value[index]
        else:
            return MISSING
    return value


def with_path(item: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``item`` with ``value`` at ``path`` (objects along the way are created)."""
    parts = split_path(path)
    if not parts:
        raise NodeError("a field path must not be empty")
    head, rest = parts[0], ".".join(parts[1:])
    if not rest:
        return {**item, head: value}
    child = item.get(head)
    return {**item, head: with_path(child if isinstance(child, dict) else {}, rest, value)}


def without_path(item: dict[str, Any], path: str) -> tuple[dict[str, Any], Any]:
    """A copy of ``item`` without ``path``, and the value that was there (or ``MISSING``)."""
    if path in item:
        rest = dict(item)
        return rest, rest.pop(path)
    parts = split_path(path)
    if not parts or parts[0] not in item:
        return item, MISSING
    head = parts[0]
    if len(parts) == 1:
        rest = dict(item)
        return rest, rest.pop(head)
    child = item[head]
    if not isinstance(child, dict):
        return item, MISSING
    new_child, value = without_path(child, ".".join(parts[1:]))
    if value is MISSING:
        return item, MISSING
    return {**item, head: new_child}, value


def _is_index(part: str) -> bool:
    return part.isdigit() or (part.startswith("-") and part[1:].isdigit())


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)


def map_field(
    items: list[Any], field: str, output: str, transform: Callable[[Any], Any]
) -> list[dict[str, Any]]:
    """Each item with ``transform(value at field)`` written to ``output`` (default: ``field``).

    Raises:
        NodeError: naming the item and field when ``transform`` raises ``ValueError``.
    """
    out = []
    for index, raw in enumerate(items):
        item = require_object(raw, index)
        value = get_path(item, field)
        try:
            result = transform(None if value is MISSING else value)
        except ValueError as exc:
            raise item_error(index, field, str(exc)) from None
        out.append(with_path(item, output or field, result))
    return out


#: Longest text a node parses (XML, HTML, text to split), in characters.
MAX_TEXT_CHARS = 20_000_000


def text_from(value: Any, *, field: str, what: str = "text") -> str:
    """``value`` as the text a node parses, refusing other types and texts past the limit."""
    if not isinstance(value, str):
        raise NodeError(f"expected {what}, got {type(value).__name__}", details={"field": field})
    if len(value) > MAX_TEXT_CHARS:
        raise NodeError(f"{what} is longer than {MAX_TEXT_CHARS} characters")
    return value
