"""The handler catalogue: node specs with JSON Schemas, and the same handlers as LLM tools."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from pydantic import BaseModel, Field

from kyra.engine.services import EngineServices
from kyra.errors import NotFoundError


class PortsQuery(BaseModel):
    params: dict[str, Any] = Field(default_factory=dict)


class NodesController(Controller):
    path = "/api"
    tags = ["catalogue"]

    @get("/nodes")
    async def list_nodes(self, services: EngineServices) -> list[dict[str, Any]]:
        from kyra.sandbox import probed_backend

        catalogue = services.registry.catalogue()
        for entry in catalogue:
            if entry["type"] == "Core.code":
                # Which jail runs the code here: bubblewrap, wasm, disabled (or probing).
                entry["sandbox"] = probed_backend(services.settings.code_sandbox)
        return catalogue

    @get("/tools")
    async def list_tools(self, services: EngineServices) -> list[dict[str, Any]]:
        return services.registry.tool_definitions()

    @post("/nodes/{type_name:str}/ports", status_code=200)
    async def ports_for(
        self, type_name: str, data: PortsQuery, services: EngineServices
    ) -> dict[str, Any]:
        """Ports of a node type for given params (for types with dynamic outputs)."""
        spec = services.registry.get(type_name)
        if spec is None:
            raise NotFoundError(f"unknown node type {type_name!r}")
        return {
            "inputs": [p.as_dict() for p in spec.inputs],
            "outputs": [p.as_dict() for p in spec.output_ports(data.params)],
        }
