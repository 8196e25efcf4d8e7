"""Tool calls run like node runs: validated params, timeout, retries, credentials, cost.

The handler sees the engine's node context for a tool call
(:meth:`~kyra.engine.context.EngineNodeContext.for_tool`): the agent node's run, with the
credentials of the agent's tool settings and costs booked to the tool's step (and so to the
agent node run).
"""

from __future__ import annotations

from typing import Any

from kyra.context.agents import ToolSettings
from kyra.engine.context import EngineNodeContext
from kyra.engine.invoke import Attempt, RetryPolicy, attempt_handler, retrying
from kyra.errors import NodeError
from kyra.spec import NodeSpec


async def execute_tool(
    ctx: EngineNodeContext, spec: NodeSpec, arguments: dict[str, Any], settings: ToolSettings
) -> tuple[Any, dict[str, Any]]:
    """Validate ``arguments`` with the spec's params model and run the handler with retries,
    the way a node runs (one way to call a handler: :func:`kyra.engine.invoke.attempt_handler`).

    Returns the validated params (as JSON) and the emitted ports.

    Raises:
        ParamsInvalidError: the arguments do not validate (the model gets the problems back).
        PauseRequested: the call waits for a human or for budget.
        NodeError: the handler failed on its last attempt.
    """
    timeout = settings.timeout_s or spec.timeout_s
    retries = settings.retries if settings.retries is not None else spec.retries
    policy = RetryPolicy(attempts=1 + retries, backoff_s=settings.retry_backoff_s)

    async def attempt(number: int) -> Attempt:
        # Literal values: an agent's arguments are never rendered as templates.
        return await attempt_handler(spec, ctx, arguments, {}, context=None, timeout=timeout)

    called, _ = await retrying(policy, attempt, lambda done: done.failure)
    if called.failure is not None:
        assert called.failure.exception is not None
        raise _masked(ctx, called.failure.exception)
    assert called.parsed is not None and called.ports is not None
    return called.parsed.model_dump(mode="json"), ctx.credentials.mask(called.ports)


def _masked(ctx: EngineNodeContext, exc: Exception) -> Exception:
    """``exc`` with the secrets the tool read masked in its message and details."""
    if ctx.secrets and isinstance(exc, NodeError):
        exc.args = (ctx.credentials.mask(str(exc)),)
        exc.details = ctx.credentials.mask(exc.details)
    return exc
