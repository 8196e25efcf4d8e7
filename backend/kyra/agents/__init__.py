"""AI agents: the tool-calling loop, its engine host, approvals, replay and the trace tree.

``loop`` is pure orchestration over an :class:`~kyra.agents.loop.AgentRuntime`; ``host`` is the
engine's runtime (tool calls run like node runs and are recorded as child node runs).
"""
