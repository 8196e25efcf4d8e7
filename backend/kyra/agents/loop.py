"""The agent loop: ask the model, run the tools it asks for (in parallel), feed results back.

Pure orchestration over an :class:`AgentRuntime`; the runtime decides how a model call and a
tool call happen (live, replayed or refused) and records them.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from kyra.agents.config import AgentConfig
from kyra.errors import NodeError, PauseRequested
from kyra.llm.types import ChatMessage, ChatRequest, ChatResponse, ToolCall
from kyra.spec import NodeSpec


class MaxIterationsError(NodeError):
    """The agent used all its iterations without giving a final answer."""

    retryable = False


@dataclass(frozen=True)
class Tool:
    """One tool offered to the model: a handler spec or a saved agent."""

    name: str
    definition: dict[str, Any]
    spec: NodeSpec | None = None
    agent: AgentConfig | None = None

    @property
    def label(self) -> str:
        if self.spec is not None:
            return self.spec.type
        return f"agent:{self.agent.name}" if self.agent else self.name


@dataclass(frozen=True)
class Frame:
    """Where one agent loop runs in the tree: its config, depth, step-key prefix and parent."""

    config: AgentConfig
    max_depth: int
    depth: int = 0
    prefix: str = ""
    #: The step record this loop's steps hang under (None: the agent node run itself).
    parent: Any = None
    #: Identities of the agents above (recursion is refused).
    chain: tuple[str, ...] = ()

    def key(self, local: str) -> str:
        return f"{self.prefix}{local}"

    def child(self, config: AgentConfig, step: Any, key: str) -> Frame:
        return Frame(
            config=config,
            max_depth=self.max_depth,
            depth=self.depth + 1,
            prefix=f"{key}/",
            parent=step,
            chain=(*self.chain, self.config.identity),
        )


@dataclass
class Remembered:
    """What memory adds to an agent's conversation: system-prompt text and earlier messages."""

    system: str = ""
    history: list[ChatMessage] = field(default_factory=list)


class AgentRuntime(Protocol):
    """What the loop needs from its host."""

    async def recall(self, frame: Frame, goal: str) -> Remembered:
        """Memory to load before the first model call."""

    async def remember(self, frame: Frame, key: str, messages: list[ChatMessage]) -> None:
        """Messages of one step (``key``) to append to the session window."""

    async def tools(self, frame: Frame) -> dict[str, Tool]:
        """The tools offered to the agent of ``frame``, by tool name."""

    async def chat(self, frame: Frame, key: str, request: ChatRequest) -> ChatResponse:
        """One model call, recorded as step ``key``."""

    async def call_tool(self, frame: Frame, key: str, tool: Tool | None, call: ToolCall) -> str:
        """Run one tool call (``tool`` None when unknown); the text the model gets back."""


@dataclass
class AgentResult:
    answer: str
    iterations: int
    finished: bool
    messages: list[ChatMessage] = field(default_factory=list)

    @property
    def result(self) -> Any:
        """The answer parsed as JSON when it is a JSON object or list, else None."""
        text = self.answer.strip()
        if not text.startswith(("{", "[")):
            return None
        try:
            return json.loads(text)
        except ValueError:
            return None


def _opening(config: AgentConfig, goal: str, memory: Remembered) -> list[ChatMessage]:
    messages = [*memory.history, ChatMessage(role="user", content=goal)]
    system = "\n\n".join(part for part in (config.prompt, memory.system) if part)
    if system:
        messages.insert(0, ChatMessage(role="system", content=system))
    return messages


def _request(
    config: AgentConfig, messages: list[ChatMessage], tools: dict[str, Tool]
) -> ChatRequest:
    return ChatRequest(
        model=config.model,
        provider=config.provider,
        messages=list(messages),
        temperature=config.temperature,
        max_tokens=config.max_tokens,
        tools=[t.definition for t in tools.values()] or None,
    )


async def run_agent(runtime: AgentRuntime, frame: Frame, goal: str) -> AgentResult:
    """Drive one agent to a final answer (or to its iteration limit).

    Raises:
        MaxIterationsError: no final answer and the agent is set to fail in that case.
        PauseRequested: a tool waits for approval, or the budget ran out (the run pauses).
    """
    config = frame.config
    tools = await runtime.tools(frame)
    messages = _opening(config, goal, await runtime.recall(frame, goal))
    await runtime.remember(frame, frame.key("goal"), messages[-1:])
    best = ""
    for iteration in range(1, config.max_iterations + 1):
        request = _request(config, messages, tools)
        response = await runtime.chat(frame, frame.key(f"{iteration}.llm"), request)
        reply = response.message
        messages.append(
            ChatMessage(role="assistant", content=reply.content, tool_calls=reply.tool_calls)
        )
        best = reply.text or best
        if not reply.tool_calls:
            await runtime.remember(frame, frame.key(f"{iteration}.llm"), messages[-1:])
            return AgentResult(reply.text, iteration, True, messages)
        results = await _call_tools(runtime, frame, iteration, tools, reply.tool_calls)
        messages.extend(results)
        await runtime.remember(
            frame, frame.key(f"{iteration}.llm"), [messages[-1 - len(results)], *results]
        )
    if config.on_max_iterations == "fail":
        raise MaxIterationsError(
            f"agent {config.name!r} gave no final answer in {config.max_iterations} iterations",
            details={"max_iterations": config.max_iterations, "last_text": best},
        )
    return AgentResult(best, config.max_iterations, False, messages)


async def _call_tools(
    runtime: AgentRuntime,
    frame: Frame,
    iteration: int,
    tools: dict[str, Tool],
    calls: list[ToolCall],
) -> list[ChatMessage]:
    """Run every requested call at once; a pause in any of them pauses the agent."""
    outcomes = await asyncio.gather(
        *(
            runtime.call_tool(
                frame, frame.key(f"{iteration}.tool.{index}"), tools.get(call.function.name), call
            )
            for index, call in enumerate(calls)
        ),
        return_exceptions=True,
    )
    for outcome in outcomes:
        if isinstance(outcome, PauseRequested):
            raise outcome
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return [
        ChatMessage(role="tool", tool_call_id=call.id, content=str(content))
        for call, content in zip(calls, outcomes, strict=True)
    ]
