"""Replay a finished run from its records: no tokens spent, no side effect repeated.

Nodes that recorded agent steps run again with their recording (model replies and tool results
come from the steps); pure nodes run again; every other node hands back its recorded output
when it gets the same params and inputs. Anything else is a divergence, named in the error.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from kyra.agents.host import descendants
from kyra.db.models import GraphVersion, NodeRun, Run
from kyra.db.queries import agents as queries
from kyra.db.queries import graphs as graph_queries
from kyra.engine.inline import RunResult, execute_scope, save_run_result
from kyra.engine.ports import RecordedChildren
from kyra.engine.runner import RunScope
from kyra.engine.services import EngineServices
from kyra.engine.versions import compiled_version
from kyra.errors import ConflictError, ReplayDivergedError
from kyra.spec import Execute, NodeSpec
from kyra.status import RunMode, RunStatus


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


class RecordedRun:
    """The records of the replayed run: the engine's :class:`~kyra.engine.ports.ReplaySource`."""

    def __init__(self, node_runs: list[NodeRun], steps: list[NodeRun]) -> None:
        self.nodes = {n.node_id: n for n in node_runs}
        self.steps = steps

    def executor(self, spec: NodeSpec, node_id: str) -> Execute:
        """What runs in place of ``spec.execute`` for ``node_id``: the handler itself for
        triggers, pure nodes and nodes with recorded children (they replay those), else the
        recorded output."""
        assert spec.execute is not None
        if spec.trigger or spec.pure or self.recorded_children(node_id) is not None:
            return spec.execute
        return self._recorded_output(spec, node_id, self.nodes.get(node_id))

    def recorded_children(self, node_id: str) -> RecordedChildren | None:
        source = self.nodes.get(node_id)
        below = descendants(self.steps, source.id) if source is not None else []
        if not below:
            return None
        last = max(s.attempt for s in below)
        latest = [s for s in below if s.attempt == last]
        return RecordedChildren(latest, strict=True, where=f"node {node_id}")

    @staticmethod
    def _recorded_output(spec: NodeSpec, node_id: str, source: NodeRun | None) -> Execute:
        async def served(ctx: Any, params: Any, inputs: dict[str, Any]) -> dict[str, Any]:
            if source is None or source.status != "succeeded":
                state = "not run" if source is None else source.status
                raise ReplayDivergedError(
                    f"replay diverged at node {node_id}: the recorded run has it {state}",
                    details={"node_id": node_id},
                )
            recorded = spec.params.model_validate(source.params or {}).model_dump(mode="json")
            for what, now, then in (
                ("params", params.model_dump(mode="json"), recorded),
                ("inputs", inputs, source.inputs or {}),
            ):
                if _json(now) != _json(then):
                    raise ReplayDivergedError(
                        f"replay diverged at node {node_id}: its {what} changed",
                        details={"node_id": node_id, "recorded": then, "now": now},
                    )
            return dict(source.output or {})

        return served


async def replay_run(
    services: EngineServices, source: Run, *, version: int | None = None
) -> RunResult:
    """Replay ``source`` inline (against another version of its graph when given) and store it.

    Raises:
        ConflictError: the source run has not finished.
    """
    if source.status not in (RunStatus.succeeded, RunStatus.failed):
        raise ConflictError(f"run is {source.status}; only finished runs can be replayed")
    async with services.session_factory() as session:
        rows = await queries.all_node_runs(session, source.id)
        graph = await graph_queries.get_graph(
            session, owner_id=source.owner_id, graph_id=source.graph_id
        )
        graph_version = (
            await graph_queries.get_version(session, graph.id, version)
            if version is not None
            else await session.get(GraphVersion, source.graph_version_id)
        )
    assert graph_version is not None
    top = [r for r in rows if r.parent_node_run_id is None]
    steps = [r for r in rows if r.parent_node_run_id is not None]
    steps.sort(key=lambda s: s.sequence or 0)
    now = datetime.now(UTC)
    run = Run(
        id=uuid.uuid4(), owner_id=source.owner_id, graph_id=source.graph_id,
        graph_version_id=graph_version.id, status=RunStatus.running, mode=RunMode.sync,
        trigger_kind="replay",
        trigger=source.trigger, source_run_id=source.id, created_at=now, started_at=now,
    )  # fmt: skip
    scope = RunScope(
        run.id, run.owner_id, run.graph_id, graph_version.version, "sync", run.trigger,
        compiled_version(services, graph_version), now, replay=RecordedRun(top, steps),
    )  # fmt: skip
    result = await execute_scope(services, scope, run)
    await save_run_result(services, result)
    return result
