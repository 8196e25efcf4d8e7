"""The node catalogue as the API answers it: node types, their ports and LLM tool forms."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from kyra.api.schemas.base import Omitted, ReadModel
from kyra.spec import NodeSpec, Port

__all__ = ["NodeTypeRead", "PortRead", "PortsRead", "ToolDefinition"]


class PortRead(ReadModel):
    name: str
    type: str
    many: bool = Field(description="An input port that collects every incoming edge")
    description: str

    @classmethod
    def of(cls, port: Port) -> PortRead:
        return cls.model_validate(port.as_dict())


class CredentialNeed(ReadModel):
    kind: str
    required: bool


class NodeTypeRead(ReadModel):
    """A node type: what the palette, the inspector's form and validation need to know."""

    type: str
    title: str
    category: str
    icon: str
    description: str
    params_schema: dict[str, Any] = Field(description="JSON Schema of the node's params")
    inputs: list[PortRead]
    outputs: list[PortRead]
    dynamic_outputs: bool
    credentials: list[CredentialNeed]
    pure: bool
    trigger: bool
    polls: bool
    receives: bool
    tool: bool
    timeout_s: float
    retries: int
    sandbox: str | None = Omitted("Core.code only: the code sandbox in use here")

    @classmethod
    def of(cls, spec: NodeSpec, *, sandbox: str | None = None) -> NodeTypeRead:
        return cls.model_validate({**spec.as_dict(), "sandbox": sandbox})


class ToolFunction(ReadModel):
    name: str
    description: str
    parameters: dict[str, Any]


class ToolDefinition(ReadModel):
    """A node type as an OpenAI-style function tool."""

    type: Literal["function"]
    function: ToolFunction


class PortsRead(ReadModel):
    inputs: list[PortRead]
    outputs: list[PortRead]
