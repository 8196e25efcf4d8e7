"""Memory backends by registry: short-term windows (``buffer``, ``redis``, ``postgres``) and
long-term stores (``postgres``).

A backend class registers itself for a role with ``@register_backend(name, role=...)``; a
third-party package adds more through the entry-point group ``kyra.memory_backends`` (each entry
point names a module or a class whose import registers it).
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any, Literal

from kyra.memory.backends.base import BackendResources, LongTermStore, SessionWindow

__all__ = [
    "BackendResources",
    "LongTermStore",
    "SessionWindow",
    "create_long_backend",
    "create_short_backend",
    "long_backend_names",
    "register_backend",
    "short_backend_names",
]

Role = Literal["short", "long"]
#: The entry-point group third-party memory backends are found in.
ENTRY_POINT_GROUP = "kyra.memory_backends"
_BUILTIN_MODULES = (
    "kyra.memory.backends.buffer",
    "kyra.memory.backends.redis",
    "kyra.memory.backends.postgres",
)
_registry: dict[tuple[Role, str], type[Any]] = {}
_loaded = False


def register_backend(name: str, *, role: Role) -> Any:
    """Class decorator: offer ``cls`` as backend ``name`` for ``role`` (short or long)."""

    def decorator(cls: type[Any]) -> type[Any]:
        known = _registry.get((role, name))
        if known is not None and known is not cls:
            raise ValueError(f"{role}-term memory backend {name!r} is already registered")
        _registry[(role, name)] = cls
        return cls

    return decorator


def _load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in _BUILTIN_MODULES:
        importlib.import_module(module)
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        entry.load()


def _names(role: Role) -> set[str]:
    _load()
    return {name for kind, name in _registry if kind == role}


def short_backend_names() -> set[str]:
    return _names("short")


def long_backend_names() -> set[str]:
    return _names("long")


def create_short_backend(name: str, resources: BackendResources) -> SessionWindow:
    _load()
    backend: SessionWindow = _registry[("short", name)](resources)
    return backend


def create_long_backend(name: str, resources: BackendResources) -> LongTermStore:
    _load()
    backend: LongTermStore = _registry[("long", name)](resources)
    return backend
