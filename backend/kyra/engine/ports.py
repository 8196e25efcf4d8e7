"""What plug-ins implement for the engine, and what they get from it (typed protocols only).

The engine imports nothing above it: agents (and any future plug-in) implement these protocols
and are handed to :class:`~kyra.engine.services.EngineServices` by the composition root
(:mod:`kyra.wiring`). The engine speaks of *child records* — the rows a plug-in adds below a
node run (an agent's model calls, tool calls and sub-agents) — not of agent steps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from kyra.context import AgentParams, NodeContext
from kyra.spec import Execute, NodeSpec

if TYPE_CHECKING:
    from kyra.engine.services import EngineServices


@dataclass(frozen=True)
class RecordedChildren:
    """The child records of an earlier attempt, served back instead of executed.

    ``strict`` (a replay): asking for anything else is an error naming the divergence.
    Otherwise (a resume) the plug-in goes live from the first difference.
    """

    records: Sequence[Any]
    strict: bool
    #: Names the recorded node run in divergence messages.
    where: str = ""


class AttemptContext(NodeContext, Protocol):
    """What a plug-in running inside one node attempt may use beyond :class:`NodeContext`."""

    services: EngineServices
    node_run_id: UUID | None
    #: Child records of this attempt, in the order they started (stored with the node run).
    steps: list[Any]

    @property
    def root_run_id(self) -> UUID:
        """The top-level run (budgets are held there)."""

    @property
    def graph_id(self) -> UUID: ...

    @property
    def budget_usd(self) -> Decimal | None: ...

    @property
    def recorded(self) -> RecordedChildren | None:
        """A replayed run's child records for this node, when the run is a replay."""

    def for_tool(
        self,
        *,
        spec: NodeSpec,
        node_id: str,
        step_key: str,
        step_id: UUID | None,
        attached: Mapping[str, str],
        agent_id: UUID | None,
    ) -> AttemptContext:
        """The context of a tool call made inside this attempt."""


class AgentHost(Protocol):
    """Runs agent loops for ``ctx.run_agent`` (the ``AI.agent`` node)."""

    async def run_agent(
        self, ctx: AttemptContext, params: AgentParams, goal: str
    ) -> dict[str, Any]:
        """Run the agent ``params`` names or describes towards ``goal``; the node's output."""


class ReplaySource(Protocol):
    """A finished run's records, served instead of executing (``POST /api/runs/{id}/replay``)."""

    def executor(self, spec: NodeSpec, node_id: str) -> Execute:
        """What runs in place of ``spec.execute`` for ``node_id``."""

    def recorded_children(self, node_id: str) -> RecordedChildren | None:
        """The recorded child records of ``node_id``, if it had any."""
