"""The contract every handler imports: node specs, typed ports and credential references.

A handler module declares one :class:`NodeSpec` (data) and decorates one coroutine with
``@SPEC.handler`` (behaviour). The same spec is offered as a workflow node and as an LLM tool.
A trigger that polls a service adds ``@SPEC.poller``; one that a service calls adds
``@SPEC.receiver`` (see :mod:`kyra.context` for what they receive and return).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from kyra.context import InboundRequest, NodeContext, Polled, Received, TriggerContext

__all__ = [
    "TOOL_NAME_PATTERN",
    "CredentialRef",
    "Execute",
    "NodeSpec",
    "Poll",
    "Port",
    "PortType",
    "Receive",
    "SpecError",
    "ports_compatible",
]

#: LLM providers accept tool names matching this pattern (OpenAI and Anthropic alike).
TOOL_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_TYPE_PATTERN = re.compile(r"^[A-Z][A-Za-z0-9]*\.[a-z][a-z0-9_]*$")
_PORT_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")

Execute = Callable[["NodeContext", Any, dict[str, Any]], Awaitable[dict[str, Any]]]
#: A polling trigger's check for new events: ``(ctx, params, cursor) -> Polled``; the cursor is
#: what the previous poll returned (None the first time).
Poll = Callable[["TriggerContext", Any, "dict[str, Any] | None"], Awaitable["Polled"]]
#: A trigger a service calls: ``(ctx, params, request) -> Received`` (verify, answer, events).
Receive = Callable[["TriggerContext", Any, "InboundRequest"], Awaitable["Received"]]
#: The pydantic model class of a handler's params (a name, because NodeSpec has a ``type`` field).
ParamsModel = type[BaseModel]


class SpecError(ValueError):
    """A handler declared an invalid spec; raised at registration, never at run time."""


class PortType(StrEnum):
    """What travels on an edge; ``any`` and ``json`` connect to everything."""

    any = "any"
    json = "json"
    object = "object"
    list = "list"
    text = "text"
    number = "number"
    boolean = "boolean"


_WIDENING: Mapping[PortType, frozenset[PortType]] = {
    PortType.number: frozenset({PortType.text}),
    PortType.boolean: frozenset({PortType.text}),
}


def ports_compatible(source: PortType, target: PortType) -> bool:
    """True when a value of ``source`` type may flow into a ``target`` port."""
    loose = {PortType.any, PortType.json}
    if source in loose or target in loose or source == target:
        return True
    return target in _WIDENING.get(source, frozenset())


@dataclass(frozen=True)
class Port:
    """A named, typed connection point; ``many`` input ports collect every incoming edge."""

    name: str
    type: PortType = PortType.any
    many: bool = False
    description: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": str(self.type),
            "many": self.many,
            "description": self.description,
        }


@dataclass(frozen=True)
class CredentialRef:
    """A credential kind a node may read through ``ctx.credential(kind)``."""

    kind: str
    required: bool = True


@dataclass
class NodeSpec:
    """Everything the palette, validation, the engine and the LLM need to know about a handler.

    Args:
        type: ``Category.action`` type name, unique across the registry.
        title: short name shown in the palette.
        category: palette group.
        icon: name of the palette and canvas icon (``frontend/src/nodes/icons.ts``); empty
            shows the category's.
        description: imperative, 1-2 sentences, naming side effects; also the tool description.
        params: pydantic model; its JSON Schema drives forms, validation and the tool schema.
        inputs: input ports.
        outputs: output ports (branches are ports; untaken ones are skipped).
        credentials: credential kinds the handler may read.
        pure: same inputs give the same output and no side effect.
        trigger: starts runs (no inputs, never offered as a tool).
        tool: offered to agents as a tool.
        dynamic_outputs: computes output ports from raw params (e.g. switch cases).
        timeout_s: default per-attempt timeout.
        retries: default extra attempts after a failure.
        raw_params: top-level params the engine leaves unrendered (the handler renders them
            itself with ``ctx.render``, e.g. a loop body that sees ``item``).
        poll_seconds: a polling trigger's default interval (a ``poll_seconds`` param wins).
    """

    type: str
    title: str
    category: str
    description: str
    params: ParamsModel
    inputs: list[Port] = field(default_factory=list)
    outputs: list[Port] = field(default_factory=lambda: [Port("out")])
    credentials: list[CredentialRef] = field(default_factory=list)
    icon: str = ""
    pure: bool = False
    trigger: bool = False
    tool: bool = True
    dynamic_outputs: Callable[[Mapping[str, Any]], list[Port]] | None = None
    timeout_s: float = 300.0
    retries: int = 0
    raw_params: frozenset[str] = frozenset()
    poll_seconds: float = 60.0
    execute: Execute | None = None
    poll: Poll | None = None
    receive: Receive | None = None

    def __post_init__(self) -> None:
        if not _TYPE_PATTERN.match(self.type):
            raise SpecError(f"Node type {self.type!r} must look like 'Category.action'.")
        if not TOOL_NAME_PATTERN.match(self.tool_name):
            raise SpecError(
                f"Node type {self.type!r} gives tool name {self.tool_name!r}, "
                f"which does not match {TOOL_NAME_PATTERN.pattern}."
            )
        for port in [*self.inputs, *self.outputs]:
            if not _PORT_PATTERN.match(port.name):
                raise SpecError(
                    f"Node type {self.type!r}: port name {port.name!r} is not snake_case."
                )
        if self.trigger:
            self.tool = False

    @property
    def tool_name(self) -> str:
        """The LLM tool name derived from the type name (``.`` becomes ``__``)."""
        return self.type.replace(".", "__")

    def handler(self, fn: Execute) -> Execute:
        """Decorator: attach ``fn`` as this spec's behaviour and return it unchanged."""
        if self.execute is not None:
            raise SpecError(f"Node type {self.type!r} already has a handler.")
        self.execute = fn
        return fn

    def poller(self, fn: Poll) -> Poll:
        """Decorator: this trigger polls its service with ``fn`` (the scheduler calls it)."""
        self._check_trigger("poller")
        self.poll = fn
        return fn

    def receiver(self, fn: Receive) -> Receive:
        """Decorator: this trigger gets a URL its service calls, answered by ``fn``."""
        self._check_trigger("receiver")
        self.receive = fn
        return fn

    def _check_trigger(self, what: str) -> None:
        if not self.trigger:
            raise SpecError(f"Node type {self.type!r} is not a trigger; it cannot have a {what}.")
        if self.poll is not None or self.receive is not None:
            raise SpecError(f"Node type {self.type!r} already has a poller or a receiver.")

    def output_ports(self, params: Mapping[str, Any]) -> list[Port]:
        """Output ports for a node with these raw params."""
        if self.dynamic_outputs is not None:
            return self.dynamic_outputs(params)
        return self.outputs

    def params_schema(self) -> dict[str, Any]:
        return self.params.model_json_schema()

    def as_dict(self) -> dict[str, Any]:
        """The catalogue entry served by ``GET /api/nodes``."""
        return {
            "type": self.type,
            "title": self.title,
            "category": self.category,
            "icon": self.icon,
            "description": self.description,
            "params_schema": self.params_schema(),
            "inputs": [p.as_dict() for p in self.inputs],
            "outputs": [p.as_dict() for p in self.outputs],
            "dynamic_outputs": self.dynamic_outputs is not None,
            "credentials": [{"kind": c.kind, "required": c.required} for c in self.credentials],
            "pure": self.pure,
            "trigger": self.trigger,
            "polls": self.poll is not None,
            "receives": self.receive is not None,
            "tool": self.tool,
            "timeout_s": self.timeout_s,
            "retries": self.retries,
        }

    def tool_definition(self) -> dict[str, Any]:
        """The OpenAI-style function tool definition for this handler."""
        return {
            "type": "function",
            "function": {
                "name": self.tool_name,
                "description": self.description,
                "parameters": self.params_schema(),
            },
        }
