"""The agent loop's memory: what an agent recalls before its first model call, the session
window it appends to after each step, and the episode it stores after each run.

Recall is recorded as a ``memory`` step (when it found anything), so a resumed or replayed run
is given the same memory as the original attempt; a replay writes nothing.
"""

from __future__ import annotations

import re
from typing import Any

from kyra.agents.loop import Frame, Remembered
from kyra.agents.recording import Recording
from kyra.agents.steps import StepLog
from kyra.errors import ParamsInvalidError
from kyra.llm.types import ChatMessage
from kyra.memory.backends.base import MemoryRecord, NewMemory
from kyra.memory.manager import MemoryManager, Recall
from kyra.memory.schema import MemorySchemaError, parse_memory_schema
from kyra.services.llm import RunLLM

SESSION_ID = re.compile(r"^[A-Za-z0-9_.:@+=-]{1,200}$")
#: Longest answer kept in an episode.
_EPISODE_ANSWER_CHARS = 4000


def session_id_of(value: Any) -> str | None:
    """A session id from a param or request (empty means none).

    Raises:
        ParamsInvalidError: not 1-200 letters, digits or ``_ . : @ + = -``.
    """
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    if not SESSION_ID.match(text):
        raise ParamsInvalidError(
            "session_id must be 1-200 letters, digits or _ . : @ + = -",
            details={"field": "session_id"},
        )
    return text


def _system_text(recall: Recall) -> str:
    parts = []
    if recall.core:
        facts = "\n".join(f"- {key}: {value}" for key, value in recall.core.items())
        parts.append(f"Core memory (facts that always hold):\n{facts}")
    if recall.memories:
        lines = "\n".join(_memory_line(m) for m in recall.memories)
        parts.append(f"Memories that may be relevant to this goal:\n{lines}")
    return "\n\n".join(parts)


def _memory_line(memory: MemoryRecord) -> str:
    return f"- [{memory.kind}, {memory.occurred_at:%Y-%m-%d}] {memory.content}"


def _remembered(recorded: dict[str, Any]) -> Remembered:
    return Remembered(
        system=str(recorded.get("system", "")),
        history=[ChatMessage.model_validate(m) for m in recorded.get("window", [])],
    )


class AgentMemory:
    """Memory for the agent loops of one agent node attempt (see the module docstring)."""

    def __init__(
        self, ctx: Any, steps: StepLog, recording: Recording | None, session_id: str | None
    ) -> None:
        self.ctx = ctx
        self.steps = steps
        self.recording = recording
        self.session_id = session_id
        self._managers: dict[Any, MemoryManager] = {}

    @property
    def _writes(self) -> bool:
        return self.recording is None or not self.recording.strict

    def manager(self, frame: Frame) -> MemoryManager | None:
        config = frame.config
        if config.agent_id is None:
            return None
        if config.agent_id not in self._managers:
            services = self.ctx.services
            try:
                schema = parse_memory_schema(
                    config.memory, default_short=services.settings.memory_short_backend
                )
            except MemorySchemaError as exc:
                raise ParamsInvalidError(f"agent {config.name!r}: {exc}") from None
            scope = self.ctx.scope
            llm = RunLLM(
                session_factory=services.session_factory, owner_id=scope.owner_id,
                run_id=scope.root_run_id or scope.run_id, graph_id=scope.graph_id,
                node_run_id=self.ctx.node_run_id, agent_id=config.agent_id,
                settings=services.settings, on_cost=self.ctx.add_cost,
                budget_usd=scope.budget_usd,
            )  # fmt: skip
            self._managers[config.agent_id] = services.memory.manager(
                config.agent_id, schema, llm=llm
            )
        return self._managers[config.agent_id]

    def _session(self, frame: Frame) -> str | None:
        return self.session_id if frame.depth == 0 else None

    async def recall(self, frame: Frame, goal: str) -> Remembered:
        manager = self.manager(frame)
        if manager is None:
            return Remembered()
        key = frame.key("memory")
        inputs = {"goal": goal, "session_id": self._session(frame)}
        if self.recording is not None and not self.recording.live:
            output = self.recording.recalled(key)
            replayed = {"replayed": True}
        else:
            recall = await manager.recall(goal, self._session(frame))
            output = None if recall.empty else {"system": _system_text(recall), **recall.as_dict()}
            replayed = {}
        if not output:
            return Remembered()
        step = await self.steps.open(frame.parent, key, kind="memory", name="recall",
                                     inputs=inputs)  # fmt: skip
        await self.steps.close(step, "succeeded", output={**output, **replayed})
        return _remembered(output)

    async def remember(self, frame: Frame, key: str, messages: list[ChatMessage]) -> None:
        session_id, manager = self._session(frame), self.manager(frame)
        if session_id is None or manager is None or not self._writes:
            return
        prefix = f"{self.ctx.run_id}:{self.ctx.node_id}:{key}"
        entries = [
            (f"{prefix}:{index}", message.model_dump(mode="json", exclude_none=True))
            for index, message in enumerate(messages)
        ]
        await manager.append_window(session_id, entries)

    async def store_episode(self, frame: Frame, goal: str, *, answer: str, outcome: str) -> None:
        """The run as an episodic memory (goal, answer, outcome), once per agent node run."""
        manager = self.manager(frame)
        if manager is None or not manager.has_long_term or not self._writes:
            return
        content = f"Goal: {goal}\nOutcome: {outcome}\nAnswer: {answer[:_EPISODE_ANSWER_CHARS]}"
        episode = NewMemory(
            kind="episodic", content=content, key=f"run:{self.ctx.run_id}:{self.ctx.node_id}",
            session_id=self.session_id, importance=0.5,
            metadata={"run_id": str(self.ctx.run_id), "outcome": outcome, "goal": goal},
        )  # fmt: skip
        await manager.store([episode])
