"""The one rule for values PostgreSQL cannot store: refuse them where they enter, naming the path.

``jsonb`` refuses the NUL character (``\\u0000``) and asyncpg cannot encode lone surrogates
(``\\ud800`` without its pair). A run's trigger holding either is refused at the entrance (a 400
naming the path); a node result holding either fails that node once with
:class:`UnstorableValueError` (its error port may handle it). Nothing is rewritten silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kyra.errors import UnstorableValueError


def _problem(text: str) -> str | None:
    if "\x00" in text:
        return "a NUL character (\\u0000)"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "a lone surrogate (half of a UTF-16 pair)"
    return None


def unstorable(value: Any, path: str = "") -> tuple[str, str] | None:
    """``(path, problem)`` of the first string in ``value`` that cannot be stored, else None.

    Paths read like template expressions: ``body.items[2].name``.
    """
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            problem = _problem(item)
            if problem:
                return where or "(the value)", problem
        elif isinstance(item, Mapping):
            for key, child in item.items():
                name = str(key)
                problem = _problem(name)
                if problem:
                    return f"{where}[{name!r}]" if where else repr(name), f"{problem} in a key"
                stack.append((f"{where}.{name}" if where else name, child))
        elif isinstance(item, list | tuple):
            stack.extend((f"{where}[{i}]", child) for i, child in enumerate(item))
    return None


def storable_text(text: str) -> str:
    """``text`` with NUL characters and lone surrogates escaped (for diagnostics only)."""
    if _problem(text) is None:
        return text
    return text.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")


def check_storable(value: Any, *, what: str) -> None:
    """Raise :class:`UnstorableValueError` naming the path when ``value`` cannot be stored.

    Args:
        value: JSON-like data about to be recorded.
        what: how to name the value's root in the message (``"output"``, ``"trigger"``).
    """
    found = unstorable(value, what)
    if found is not None:
        where, problem = found
        raise UnstorableValueError(
            f"{where} holds {problem}, which cannot be stored; remove or replace it "
            "(e.g. with the replace filter) before it leaves the node",
            details={"path": where},
        )
