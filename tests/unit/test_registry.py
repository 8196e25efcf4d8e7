"""The registry fails loudly at registration and serves one catalogue for nodes and tools."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

import kyra.spec
from kyra.registry import Registry, default_registry
from kyra.spec import NodeSpec, SpecError


class Params(BaseModel):
    text: str = ""


def make_spec(type_name: str = "Test.echo") -> NodeSpec:
    spec = NodeSpec(
        type=type_name, title="Echo", category="Test", description="Echo.", params=Params
    )

    @spec.handler
    async def execute(ctx, params, inputs):  # type: ignore[no-untyped-def]
        return {"out": params.text}

    return spec


def test_duplicate_type_names_fail_at_registration() -> None:
    registry = Registry([make_spec()])
    with pytest.raises(SpecError, match="already registered"):
        registry.register(make_spec())


def test_invalid_type_and_tool_names_fail_at_declaration() -> None:
    with pytest.raises(SpecError, match=r"Category\.action"):
        make_spec("echo")
    with pytest.raises(SpecError, match="does not match"):
        make_spec("Test." + "x" * 70)


def test_a_spec_without_handler_is_refused() -> None:
    spec = NodeSpec(
        type="Test.bare", title="Bare", category="Test", description="Bare.", params=Params
    )
    with pytest.raises(SpecError, match="no handler"):
        Registry([spec])


def test_builtin_catalogue_is_discovered_through_the_entry_point() -> None:
    types = {spec.type for spec in default_registry()}
    assert {
        "Manual.trigger", "Webhook.trigger", "Webhook.respond", "Core.set", "Core.if",
        "Core.switch", "Core.merge", "Core.loop", "Core.wait", "Core.subgraph", "Core.code",
        "HTTP.request", "JSON.parse",
    } <= types  # fmt: skip


def test_every_handler_is_a_tool_unless_it_is_a_trigger() -> None:
    registry = default_registry()
    tools = {t["function"]["name"] for t in registry.tool_definitions()}
    assert "Core__set" in tools
    assert "Manual__trigger" not in tools
    for definition in registry.tool_definitions():
        assert definition["function"]["parameters"]["type"] == "object"


def test_the_public_contract_of_kyra_spec_is_pinned() -> None:
    assert set(kyra.spec.__all__) == {
        "TOOL_NAME_PATTERN", "CredentialRef", "Execute", "NodeSpec", "Poll", "Port", "PortType",
        "Receive", "SpecError", "ports_compatible",
    }  # fmt: skip
