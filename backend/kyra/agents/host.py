"""The engine's agent runtime: model calls through RunLLM, tool calls like node runs, all recorded.

``run_agent_node`` is what ``ctx.run_agent`` does for the ``AI.agent`` node: resolve the agent,
pick up the recording of an earlier attempt (resume) or of a replayed run, drive the loop and
book the agent run.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kyra.agents import bookkeeping
from kyra.agents.config import AGENT_TOOL_PREFIX, AgentConfig, agent_tool_name, config_of
from kyra.agents.loop import Frame, Remembered, Tool, run_agent
from kyra.agents.memory import AgentMemory, session_id_of
from kyra.agents.model_calls import Catalogue
from kyra.agents.recording import Recording, request_record
from kyra.agents.steps import StepLog
from kyra.agents.tools import ToolContext, execute_tool
from kyra.db.queries import agents as queries
from kyra.engine.runner import error_dict
from kyra.errors import (
    ApprovalRequired,
    NodeError,
    ParamsInvalidError,
    PauseRequested,
    ReplayDivergedError,
)
from kyra.llm.types import ChatMessage, ChatRequest, ChatResponse, ToolCall

_log = logging.getLogger("kyra.agents")


class UnknownToolError(NodeError):
    retryable = False


class ToolRejectedError(NodeError):
    retryable = False


class SubAgentParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    goal: str = Field(min_length=1, description="What the sub-agent should achieve")


def _agent_definition(name: str, config: AgentConfig) -> dict[str, Any]:
    description = f"Delegate a goal to the agent {config.name!r}, which answers in text. "
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": (description + config.prompt)[:1000],
            "parameters": SubAgentParams.model_json_schema(),
        },
    }


def _content(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _error_content(exc: BaseException) -> str:
    error = error_dict(exc)
    return json.dumps({"error": error["type"], "message": error["message"], **error["details"]})


def _arguments(call: ToolCall) -> Any:
    try:
        return call.function.parsed_arguments()
    except ValueError:
        return call.function.arguments


class EngineAgentRuntime:
    """Runs agent loops inside one node attempt (see the module docstring)."""

    def __init__(
        self, ctx: Any, recording: Recording | None, *, session_id: str | None = None
    ) -> None:
        self.ctx = ctx
        self.services = ctx.services
        self.steps = StepLog(ctx)
        self.recording = recording
        self.memory = AgentMemory(ctx, self.steps, recording, session_id)
        self._agents: dict[str, AgentConfig] = {}
        self._catalogue = Catalogue()

    # --- memory (see kyra.agents.memory) ---------------------------------------------------------

    async def recall(self, frame: Frame, goal: str) -> Remembered:
        return await self.memory.recall(frame, goal)

    async def remember(self, frame: Frame, key: str, messages: list[ChatMessage]) -> None:
        await self.memory.remember(frame, key, messages)

    # --- tools ---------------------------------------------------------------------------------

    async def tools(self, frame: Frame) -> dict[str, Tool]:
        tools: dict[str, Tool] = {}
        names = [t.removeprefix(AGENT_TOOL_PREFIX) for t in frame.config.tools]
        for entry in frame.config.tools:
            if entry.startswith(AGENT_TOOL_PREFIX):
                continue
            spec = self.services.registry.get(entry)
            if spec is None or not spec.tool:
                raise NodeError(f"agent {frame.config.name!r}: {entry!r} is not a tool")
            tools[spec.tool_name] = Tool(spec.tool_name, spec.tool_definition(), spec=spec)
        if frame.depth >= frame.max_depth:
            return tools
        above = {*frame.chain, frame.config.identity}
        wanted = [n for n, t in zip(names, frame.config.tools, strict=True) if t != n]
        for config in await self._sub_agents(wanted):
            if config.identity not in above:  # recursion is refused: never offered
                name = agent_tool_name(config.name)
                tools[name] = Tool(name, _agent_definition(name, config), agent=config)
        return tools

    async def _sub_agents(self, names: list[str]) -> list[AgentConfig]:
        missing = [n for n in names if n not in self._agents]
        if missing:
            async with self.services.session_factory() as session:
                rows = await queries.agents_named(
                    session, owner_id=self.ctx.owner_id, names=missing
                )
            self._agents.update({row.name: config_of(row) for row in rows})
        return [self._agents[n] for n in names if n in self._agents]

    # --- model calls ---------------------------------------------------------------------------

    def _llm(self, frame: Frame, step: Any) -> Any:
        from kyra.agents.model_calls import StepLLM

        scope = self.ctx.scope
        return StepLLM(
            catalogue=self._catalogue,
            session_factory=self.services.session_factory,
            owner_id=scope.owner_id,
            run_id=scope.root_run_id or scope.run_id,
            graph_id=scope.graph_id,
            node_run_id=step.id if self.steps.live else None,
            agent_id=frame.config.agent_id,
            settings=self.services.settings,
            on_cost=self.ctx.add_cost,
            budget_usd=scope.budget_usd,
        )

    async def chat(self, frame: Frame, key: str, request: ChatRequest) -> ChatResponse:
        inputs = {"request": request_record(request)}
        step = await self.steps.open(
            frame.parent, key, kind="llm_call", name=request.model, inputs=inputs
        )
        try:
            recorded = self.recording.llm(key, request) if self.recording else None
            if recorded is not None:
                await self.steps.close(
                    step, "succeeded", node_type=recorded.model,
                    output={"response": recorded.model_dump(mode="json"), "replayed": True},
                )  # fmt: skip
                return recorded
            response = await self._llm(frame, step).chat(request)
        except PauseRequested as exc:
            await self.steps.close(step, "paused", error=error_dict(exc))
            raise
        except BaseException as exc:
            await self.steps.close(step, "failed", error=error_dict(exc))
            raise
        usage = response.usage
        await self.steps.close(
            step, "succeeded", node_type=response.model,
            output={"response": response.model_dump(mode="json")},
            cost_usd=response.cost_usd or 0, input_tokens=usage.prompt_tokens,
            output_tokens=usage.completion_tokens,
        )  # fmt: skip
        return response

    # --- tool calls ----------------------------------------------------------------------------

    async def call_tool(self, frame: Frame, key: str, tool: Tool | None, call: ToolCall) -> str:
        kind = "agent" if tool is not None and tool.agent is not None else "tool_call"
        inputs = {"tool": call.function.name, "arguments": _arguments(call)}
        name = tool.label if tool else call.function.name
        step = await self.steps.open(frame.parent, key, kind=kind, name=name, inputs=inputs)
        recorded = self.recording.tool(key, kind, inputs) if self.recording else None
        if recorded is not None:
            return await self._serve(step, recorded)
        try:
            content, values = await self._call(frame, key, step, tool, inputs)
        except (PauseRequested, ReplayDivergedError) as exc:
            status = "paused" if isinstance(exc, PauseRequested) else "failed"
            await self.steps.close(step, status, error=error_dict(exc))
            raise
        except NodeError as exc:
            content = _error_content(exc)
            await self.steps.close(
                step, "failed", output={"content": content}, error=error_dict(exc),
                approval=step.approval,
            )  # fmt: skip
            return content
        await self.steps.close(step, "succeeded", **values)
        return content

    async def _serve(self, step: Any, recorded: Any) -> str:
        await self.steps.close(
            step, recorded.status, output={**recorded.output, "replayed": True},
            error=recorded.error, params=recorded.params, approval=recorded.approval,
        )  # fmt: skip
        return str(recorded.output["content"])

    async def _call(
        self, frame: Frame, key: str, step: Any, tool: Tool | None, inputs: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        if tool is None:
            raise UnknownToolError(
                f"there is no tool named {inputs['tool']!r}",
                details={"available": sorted((await self.tools(frame)).keys())},
            )
        arguments = inputs["arguments"]
        if not isinstance(arguments, dict):
            raise ParamsInvalidError("the arguments are not a JSON object")
        await self._check_approval(frame, key, step, tool, inputs)
        if tool.agent is not None:
            return await self._delegate(frame, key, step, tool.agent, arguments)
        assert tool.spec is not None
        settings = frame.config.tool_settings_for(tool.spec.type)
        tool_ctx = ToolContext(
            self.ctx, step=step, settings=settings, spec=tool.spec,
            agent_id=frame.config.agent_id, live=self.steps.live,
        )  # fmt: skip
        params, ports = await execute_tool(tool_ctx, tool.spec, arguments, settings)
        content = _content(ports.get("out", ports) if len(ports) == 1 else ports)
        return content, {
            "params": params, "output": {"content": content, "ports": ports},
            "cost_usd": tool_ctx.cost, "input_tokens": tool_ctx.input_tokens,
            "output_tokens": tool_ctx.output_tokens, "approval": step.approval,
        }  # fmt: skip

    async def _check_approval(
        self, frame: Frame, key: str, step: Any, tool: Tool, inputs: dict[str, Any]
    ) -> None:
        if not frame.config.tool_settings_for(tool.label).requires_approval:
            return
        decision = self.recording.approval(key, inputs) if self.recording else None
        if decision is None:
            request = {"tool": tool.label, "arguments": inputs["arguments"], "step_key": key,
                       "agent": frame.config.name}  # fmt: skip
            raise ApprovalRequired(
                f"{tool.label} waits for approval",
                details={"reason": "approval", "approval": request},
            )
        step.approval = decision
        if decision["status"] != "approved":
            raise ToolRejectedError(
                f"a human rejected this call of {tool.label}",
                details={"comment": decision.get("comment", "")},
            )

    async def _delegate(
        self, frame: Frame, key: str, step: Any, config: AgentConfig, arguments: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        try:
            params = SubAgentParams.model_validate(arguments)
        except ValidationError as exc:
            raise ParamsInvalidError(f"invalid arguments: {exc.errors()[0]['msg']}") from None
        sub = frame.child(config, step, key)
        agent_run_id = await bookkeeping.start(self.ctx, config, params.goal, key=key)
        try:
            result = await run_agent(self, sub, params.goal)
        except BaseException as exc:
            await bookkeeping.fail(self.ctx, agent_run_id, exc, cost=self.steps.cost_under(key)[0])
            raise
        cost, input_tokens, output_tokens = self.steps.cost_under(key)
        output = {"answer": result.answer, "result": result.result, "finished": result.finished}
        await bookkeeping.succeed(self.ctx, agent_run_id, output, cost=cost)
        return result.answer, {
            "params": params.model_dump(), "output": {"content": result.answer, **output},
            "cost_usd": cost, "input_tokens": input_tokens, "output_tokens": output_tokens,
        }  # fmt: skip


async def _config(ctx: Any, config: Mapping[str, Any]) -> AgentConfig:
    ref = config.get("agent")
    if ref:
        async with ctx.services.session_factory() as session:
            row = await queries.get_agent(session, owner_id=ctx.owner_id, ref=ref)
        return config_of(row)
    fields = {k: v for k, v in config.items() if k != "agent" and v is not None}
    try:
        return AgentConfig.model_validate({"name": "inline", **fields})
    except ValidationError as exc:
        raise ParamsInvalidError(f"invalid agent configuration: {exc.errors()[0]['msg']}") from None


async def _resume_recording(ctx: Any) -> Recording | None:
    """Steps of the previous attempt of this node run, so a resumed agent picks up where it was."""
    if ctx.node_run_id is None:
        return None
    async with ctx.services.session_factory() as session:
        steps = await queries.run_steps(session, ctx.run_id)
    mine = descendants(steps, ctx.node_run_id)
    earlier = [s.attempt for s in mine if s.attempt < ctx.attempt]
    if not earlier:
        return None
    stale = [s.id for s in mine if s.status == "running" and s.attempt < ctx.attempt]
    if stale:  # steps of an attempt whose worker died
        async with ctx.services.session_factory() as session, session.begin():
            await queries.cancel_steps(session, stale)
    last = max(earlier)
    return Recording([s for s in mine if s.attempt == last], strict=False)


def descendants(steps: list[Any], root_id: uuid.UUID) -> list[Any]:
    """The steps below the node run ``root_id`` (any depth), in their original order."""
    below: set[uuid.UUID] = {root_id}
    found = []
    for step in steps:  # parents start before their children, so one pass suffices
        if step.parent_node_run_id in below:
            below.add(step.id)
            found.append(step)
    return found


async def _store_failure(
    runtime: EngineAgentRuntime, frame: Frame, goal: str, exc: BaseException
) -> None:
    """Remember a failed run too; a memory problem here must not hide the run's own error."""
    try:
        await runtime.memory.store_episode(frame, goal, answer=str(exc), outcome="failed")
    except Exception as problem:
        _log.warning("agent %s: the failed run was not stored as an episode (%s)",
                     frame.config.name, type(problem).__name__)  # fmt: skip


def _run_options(ctx: Any, config: Mapping[str, Any], agent: AgentConfig) -> dict[str, Any]:
    """Session and temperature: the node's ``session_id`` param, else what the API's agent run
    request put in the trigger (``POST /api/agents/{id}/run``)."""
    trigger = ctx.trigger or {}
    requested = trigger if str(trigger.get("agent_id")) == str(agent.agent_id) else {}
    session_id = session_id_of(config.get("session_id") or requested.get("session_id"))
    if session_id and agent.agent_id is None:
        raise ParamsInvalidError(
            "session_id needs a saved agent (inline agents have no memory)",
            details={"field": "session_id"},
        )
    return {"session_id": session_id, "temperature": requested.get("temperature")}


async def run_agent_node(ctx: Any, config: Mapping[str, Any], goal: str) -> dict[str, Any]:
    """Run an agent for a node (see the module docstring); returns the node's output."""
    agent = await _config(ctx, {k: v for k, v in config.items() if k != "session_id"})
    options = _run_options(ctx, config, agent)
    if options["temperature"] is not None:
        agent = agent.model_copy(update={"temperature": options["temperature"]})
    recording = getattr(ctx, "recording", None) or await _resume_recording(ctx)
    runtime = EngineAgentRuntime(ctx, recording, session_id=options["session_id"])
    frame = Frame(config=agent, max_depth=agent.max_depth)
    agent_run_id = await bookkeeping.start(ctx, agent, goal, key="")
    try:
        result = await run_agent(runtime, frame, goal)
    except BaseException as exc:
        if not isinstance(exc, PauseRequested):
            await _store_failure(runtime, frame, goal, exc)
        await bookkeeping.fail(ctx, agent_run_id, exc, cost=runtime.steps.total_cost())
        raise
    outcome = "succeeded" if result.finished else "unfinished"
    await runtime.memory.store_episode(frame, goal, answer=result.answer, outcome=outcome)
    output = {
        "answer": result.answer,
        "result": result.result,
        "finished": result.finished,
        "iterations": result.iterations,
        "steps": runtime.steps.summary(),
        "cost_usd": float(runtime.steps.total_cost()),
    }
    await bookkeeping.succeed(ctx, agent_run_id, output, cost=runtime.steps.total_cost())
    return output
