"""The node author guide's example package (examples/kyra-greetings): discovered through the
``kyra.nodes`` entry-point group it declares, and run by the engine like a built-in node."""

from __future__ import annotations

import tomllib
import uuid
from importlib.metadata import EntryPoint, EntryPoints, entry_points
from pathlib import Path
from typing import Any

import pytest

from kyra import registry as registry_module
from kyra.db.queries import graphs as graph_queries
from kyra.engine.services import EngineServices
from kyra.engine.start import RunRequest, start_run
from kyra.status import RunMode

PACKAGE = Path(__file__).resolve().parents[2] / "examples" / "kyra-greetings"


@pytest.fixture
def with_example_installed(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The registry as it is discovered once the example package is installed: its module on
    the path and its declared entry point in the ``kyra.nodes`` group."""
    declared = tomllib.loads((PACKAGE / "pyproject.toml").read_text())["project"]["entry-points"]
    group = registry_module.ENTRY_POINT_GROUP
    ((name, value),) = declared[group].items()
    monkeypatch.syspath_prepend(str(PACKAGE))
    installed = [*entry_points(group=group), EntryPoint(name=name, value=value, group=group)]
    monkeypatch.setattr(registry_module, "entry_points", lambda group: EntryPoints(installed))
    return registry_module.discover()


async def test_the_example_node_is_discovered_and_runs_in_a_graph(
    with_example_installed: Any, services: EngineServices, owner: Any
) -> None:
    registry = with_example_installed
    spec = registry.get("Greetings.hello")
    assert spec is not None and spec.category == "Greetings"
    assert spec.params_schema()["properties"]["language"]["enum"] == ["en", "fr", "es"]
    assert "Core.set" in registry, "the built-in nodes are still there"

    document = {
        "schema": "kyra.graph/1",
        "name": f"greetings-{uuid.uuid4().hex[:8]}",
        "nodes": [
            {"id": "start", "type": "Manual.trigger", "params": {}},
            {"id": "greet", "type": "Greetings.hello",
             "params": {"name": "{{ trigger.who }}", "language": "fr"}},
        ],
        "edges": [{"source": "start", "target": "greet"}],
    }  # fmt: skip
    with_package = EngineServices(
        settings=services.settings, registry=registry, session_factory=services.session_factory
    )
    async with services.session_factory() as session:
        graph = await graph_queries.create_graph(session, owner_id=owner.id, document=document)
        version = await graph_queries.latest_version(session, graph.id)
        await session.commit()

    greeted = await start_run(
        with_package, RunRequest(graph, version, {"who": "Ada"}, mode=RunMode.sync)
    )
    failed = await start_run(
        with_package, RunRequest(graph, version, {"who": "nobody"}, mode=RunMode.sync)
    )

    assert greeted.run.status == "succeeded"
    assert greeted.run.output == {"greet": {"text": "Bonjour, Ada!"}}
    assert failed.run.status == "failed"
    assert (
        failed.run.error is not None and failed.run.error["message"] == "there is nobody to greet"
    )
