"""Discovers handlers and answers "which spec has this type?" for nodes and tools alike, and
"which credential kind has this name?" for the credentials they read.

Handlers come from the built-in ``kyra_nodes`` package and from any distribution that declares
the ``kyra.nodes`` entry-point group (a module or package whose modules define ``SPEC``).
Credential kinds are found the same way: every module-level
:class:`~kyra.credentials.CredentialKind` in those modules.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any

from kyra.credentials import CredentialKind
from kyra.spec import NodeSpec, SpecError

#: Entry-point group third-party packages use to add handlers.
ENTRY_POINT_GROUP = "kyra.nodes"


class Registry:
    """Type name → spec, plus tool name → spec; refuses duplicates and specs without handlers."""

    def __init__(
        self, specs: Iterable[NodeSpec] = (), kinds: Iterable[CredentialKind] = ()
    ) -> None:
        self._by_type: dict[str, NodeSpec] = {}
        self._by_tool: dict[str, NodeSpec] = {}
        self._kinds: dict[str, CredentialKind] = {}
        for kind in kinds:
            self.register_kind(kind)
        for spec in specs:
            self.register(spec)

    def register(self, spec: NodeSpec) -> None:
        """Add ``spec``.

        Raises:
            SpecError: duplicate type or tool name, or no ``@SPEC.handler``.
        """
        if spec.type in self._by_type:
            raise SpecError(f"Node type {spec.type!r} is already registered.")
        if spec.tool_name in self._by_tool:
            raise SpecError(
                f"Tool name {spec.tool_name!r} of {spec.type!r} collides with "
                f"{self._by_tool[spec.tool_name].type!r}."
            )
        if spec.execute is None:
            raise SpecError(
                f"Node type {spec.type!r} has no handler; decorate one with @SPEC.handler."
            )
        self._by_type[spec.type] = spec
        self._by_tool[spec.tool_name] = spec

    def register_kind(self, kind: CredentialKind) -> None:
        """Add a credential kind.

        Raises:
            SpecError: a kind of that name is already registered.
        """
        if kind.name in self._kinds:
            raise SpecError(f"Credential kind {kind.name!r} is already registered.")
        self._kinds[kind.name] = kind

    def credential_kind(self, name: str) -> CredentialKind | None:
        return self._kinds.get(name)

    def credential_kinds(self) -> list[CredentialKind]:
        return sorted(self._kinds.values(), key=lambda k: k.name)

    def check_credential_refs(self) -> None:
        """Every credential kind a spec declares must be registered.

        Raises:
            SpecError: naming the spec and the unknown kind.
        """
        for spec in self._by_type.values():
            for ref in spec.credentials:
                if ref.kind not in self._kinds:
                    raise SpecError(
                        f"Node type {spec.type!r} reads credentials of kind {ref.kind!r}, "
                        "which no module declares (a module-level CredentialKind)."
                    )

    def get(self, type_name: str) -> NodeSpec | None:
        return self._by_type.get(type_name)

    def by_tool_name(self, tool_name: str) -> NodeSpec | None:
        return self._by_tool.get(tool_name)

    def __contains__(self, type_name: object) -> bool:
        return type_name in self._by_type

    def __iter__(self) -> Iterator[NodeSpec]:
        return iter(sorted(self._by_type.values(), key=lambda s: (s.category, s.type)))

    def __len__(self) -> int:
        return len(self._by_type)

    def service_triggers(self) -> dict[str, NodeSpec]:
        """Trigger types that poll a service or that a service calls, by type name."""
        return {
            spec.type: spec
            for spec in self._by_type.values()
            if spec.poll is not None or spec.receive is not None
        }

    def catalogue(self) -> list[dict[str, Any]]:
        """Every spec as served by ``GET /api/nodes``."""
        return [spec.as_dict() for spec in self]

    def tool_definitions(self) -> list[dict[str, Any]]:
        """Every tool-capable spec as an LLM tool definition."""
        return [spec.tool_definition() for spec in self if spec.tool]


def _modules(package: ModuleType) -> Iterator[ModuleType]:
    yield package
    for info in pkgutil.walk_packages(getattr(package, "__path__", []), package.__name__ + "."):
        yield importlib.import_module(info.name)


def specs_in(package: ModuleType) -> list[NodeSpec]:
    """Import every module under ``package`` and collect their module-level ``SPEC``."""
    found: list[NodeSpec] = []
    for module in _modules(package):
        spec = getattr(module, "SPEC", None)
        if isinstance(spec, NodeSpec):
            found.append(spec)
    return found


def kinds_in(package: ModuleType) -> list[CredentialKind]:
    """Every module-level :class:`CredentialKind` under ``package`` (imports each module); a
    kind imported by a sibling module counts once."""
    found: dict[int, CredentialKind] = {}
    for module in _modules(package):
        for value in vars(module).values():
            if isinstance(value, CredentialKind):
                found[id(value)] = value
    return list(found.values())


def discover() -> Registry:
    """Build a registry from the ``kyra.nodes`` entry points (the built-ins declare one too)."""
    registry = Registry()
    modules = {ep.value: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    modules.setdefault("kyra_nodes", None)  # type: ignore[arg-type]
    for name in sorted(modules):
        package = importlib.import_module(name)
        for spec in specs_in(package):
            registry.register(spec)
        for kind in kinds_in(package):
            if registry.credential_kind(kind.name) is not kind:
                registry.register_kind(kind)
    registry.check_credential_refs()
    return registry


@lru_cache
def default_registry() -> Registry:
    """The process-wide registry, discovered once at start-up."""
    return discover()
