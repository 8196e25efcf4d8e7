"""One way to call a handler, for graph nodes in both modes and for agent tool calls alike.

:func:`attempt_handler` renders and validates the parameters, runs the handler under its
timeout, checks what it returned and shapes any failure; :class:`RetryPolicy` says whether and
when to try again. Inline runs and tool calls retry in-process with :func:`retrying`; queue mode
records each attempt and schedules the next one after the same policy's delay.
"""

from __future__ import annotations

import asyncio
import logging
import random
import sys
import types
from collections.abc import Awaitable, Callable, Coroutine, Generator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from kyra.context import NodeContext
from kyra.engine import templating
from kyra.engine.storable import check_storable, storable_text, unstorable
from kyra.errors import NodeError, NodeTimeoutError, ParamsInvalidError, PauseRequested
from kyra.spec import Execute, NodeSpec

_log = logging.getLogger("kyra.engine")
A = TypeVar("A")
#: Installation directories, longest first: kept out of error messages users read.
_SERVER_ROOTS = sorted(
    {sys.prefix, sys.base_prefix, sys.exec_prefix, str(Path(__file__).resolve().parents[3])},
    key=len,
    reverse=True,
)
#: Longest pause between two attempts, whatever the backoff or the service asks for.
MAX_BACKOFF_S = 600.0


def error_dict(exc: BaseException) -> dict[str, Any]:
    """An exception as a node run records it (always storable: messages are diagnostics)."""
    details = getattr(exc, "details", None) or {}
    return {
        "type": type(exc).__name__,
        "message": storable_text(str(exc) or type(exc).__name__),
        "details": details if unstorable(details) is None else {},
    }


@dataclass(frozen=True)
class Failure:
    """Why an attempt failed, and whether another one may help."""

    error: dict[str, Any]
    retryable: bool
    #: Seconds the next attempt must wait at least (a service's Retry-After).
    retry_after: float | None = None
    #: Set when the handler asked to pause the run instead (approval, budget).
    pause_reason: str | None = None
    #: The exception that says it, for callers that raise it on (an agent's tool calls).
    exception: Exception | None = None


def internal_error(exc: BaseException, node_type: str) -> dict[str, Any]:
    """What a user reads about a handler bug: its type and message, no server paths."""
    message = storable_text(_without_server_paths(str(exc)))[:500]
    return {
        "type": type(exc).__name__,
        "message": f"{node_type} failed unexpectedly: {type(exc).__name__}"
        + (f": {message}" if message else "")
        + " (the server log has the details)",
        "details": {},
    }


def _without_server_paths(text: str) -> str:
    for root in _SERVER_ROOTS:
        text = text.replace(root, "…")
    return text


def failure_of(exc: Exception, node_type: str, *, where: str = "") -> Failure:
    """The failure an exception raised while calling a handler stands for.

    A handler bug keeps the run alive and may be retried; its traceback (server paths, library
    frames) goes to the server log with ``where`` (run and node), never into the run users read.
    """
    if isinstance(exc, PauseRequested):
        return Failure(error_dict(exc), False, pause_reason=exc.reason, exception=exc)
    if isinstance(exc, NodeError):
        return Failure(error_dict(exc), exc.retryable, exc.retry_after, exception=exc)
    _log.error("%s (%s) raised", where or "handler", node_type, exc_info=exc)
    error = internal_error(exc, node_type)
    return Failure(error, True, exception=NodeError(str(error["message"])))


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts a call gets and how long to wait between them."""

    attempts: int = 1
    backoff_s: float = 1.0

    def delay(self, attempt: int, failure: Failure) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or None when there is none."""
        if not failure.retryable or failure.pause_reason or attempt >= self.attempts:
            return None
        return backoff_seconds(self.backoff_s, attempt, retry_after=failure.retry_after)


def backoff_seconds(
    base: float, attempt: int, *, cap: float = MAX_BACKOFF_S, retry_after: float | None = None
) -> float:
    """Exponential backoff with jitter between half and all of the step, and never sooner than
    ``retry_after`` (what the service asked for, capped too)."""
    step = min(cap, base * 2.0 ** max(0, attempt - 1))
    return max(step * random.uniform(0.5, 1.0), min(cap, retry_after or 0.0))


async def retrying(
    policy: RetryPolicy,
    attempt: Callable[[int], Awaitable[A]],
    failure: Callable[[A], Failure | None],
) -> tuple[A, int]:
    """Run ``attempt(1)``, ``attempt(2)``… while ``policy`` allows another; the last result and
    its attempt number."""
    number = 1
    while True:
        result = await attempt(number)
        failed = failure(result)
        delay = policy.delay(number, failed) if failed is not None else None
        if delay is None:
            return result, number
        await asyncio.sleep(delay)
        number += 1


def render_params(
    spec: NodeSpec, raw: Mapping[str, Any], context: Mapping[str, Any]
) -> dict[str, Any]:
    """Render every param except the spec's ``raw_params`` (left for the handler)."""
    return {
        key: value if key in spec.raw_params else templating.render(value, context)
        for key, value in raw.items()
    }


def validate_params(spec: NodeSpec, rendered: Mapping[str, Any]) -> BaseModel:
    """The handler's params model built from ``rendered``.

    Raises:
        ParamsInvalidError: naming every field that does not validate.
    """
    # The model's validator, as model_validate calls it (one Python call less per node).
    validator = spec.params.__pydantic_validator__
    try:
        params: BaseModel = validator.validate_python(rendered)
    except ValidationError as exc:
        problems = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
        ]
        fields = ", ".join(p["field"] or "params" for p in problems)
        raise ParamsInvalidError(
            f"invalid parameters: {fields}", details={"errors": problems}
        ) from None
    return params


def check_ports(spec: NodeSpec, raw_params: Mapping[str, Any], result: Any) -> dict[str, Any]:
    """``result`` if it is a dict of the node's output ports.

    Raises:
        NodeError: the handler returned something else.
    """
    if not isinstance(result, dict):
        raise NodeError(f"{spec.type} returned {type(result).__name__}, expected a dict of ports")
    allowed = {p.name for p in spec.output_ports(raw_params)}
    unknown = set(result) - allowed
    if unknown:
        raise NodeError(f"{spec.type} emitted unknown output ports: {sorted(unknown)}")
    return result


@dataclass
class Attempt:
    """What one call of a handler gave: its rendered params, its ports or its failure."""

    params: dict[str, Any] | None = None
    #: The validated params model the handler got.
    parsed: BaseModel | None = None
    ports: dict[str, Any] | None = None
    failure: Failure | None = None


#: Runs before the handler with the rendered params (e.g. waits for a human approval).
BeforeCall = Callable[[dict[str, Any]], Awaitable[None]]


async def attempt_handler(
    spec: NodeSpec,
    ctx: NodeContext,
    raw_params: Mapping[str, Any],
    inputs: dict[str, Any],
    *,
    context: Mapping[str, Any] | None,
    timeout: float,
    execute: Execute | None = None,
    before: BeforeCall | None = None,
) -> Attempt:
    """Call the handler once: render ``raw_params`` against ``context`` (None: they are literal
    values, as an agent's tool arguments are), validate them, run ``execute`` (the spec's own by
    default) under ``timeout``, and check the ports. Never raises for a failure of the call."""
    attempt = Attempt()
    try:
        rendered = dict(raw_params) if context is None else render_params(spec, raw_params, context)
        check_storable(rendered, what="params")
        attempt.params = rendered
        params = attempt.parsed = validate_params(spec, rendered)
        if before is not None:
            await before(rendered)
        run = execute or spec.execute
        assert run is not None, f"{spec.type} has no handler"
        try:
            result = await _within(run(ctx, params, inputs), timeout)
        except TimeoutError:
            raise NodeTimeoutError(f"timed out after {timeout:g}s") from None
        ports = check_ports(spec, raw_params, result)
        check_storable(ports, what="output")
        attempt.ports = ports
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        where = f"run {ctx.run_id} node {ctx.node_id}"
        attempt.failure = failure_of(exc, spec.type, where=where)
    return attempt


async def _within(call: Awaitable[A], seconds: float) -> A:
    """Await ``call`` and raise TimeoutError once ``seconds`` have passed, as ``asyncio.timeout``
    does, but arm the timer only when the call first waits.

    Most handlers (set, if, merge…) return without ever waiting, and a timer costs more than
    they do: a handle pushed on the loop's heap, then cancelled. Until the call first waits,
    nothing else can run and no timer could fire; a first step that alone overran the deadline
    is cancelled at its first wait, as under ``asyncio.timeout``.
    """
    if not isinstance(call, types.CoroutineType):  # the ABC's check costs more than most nodes
        async with asyncio.timeout(seconds):
            return await call
    deadline = asyncio.get_running_loop().time() + seconds
    try:
        waited_on = call.send(None)
    except StopIteration as returned:
        result: A = returned.value
        return result
    async with asyncio.timeout_at(deadline):
        return await _resumed(call, waited_on)


@types.coroutine
def _resumed(call: Coroutine[Any, Any, A], waited_on: Any) -> Generator[Any, Any, A]:
    """Await ``call``, already stepped once, from where it waits (see :func:`_within`)."""
    while True:
        try:
            sent = yield waited_on
        except GeneratorExit:
            call.close()
            raise
        except BaseException as thrown:  # a cancel or timeout while the call waits
            step = partial(call.throw, thrown)
        else:
            step = partial(call.send, sent)
        try:
            waited_on = step()
        except StopIteration as returned:
            result: A = returned.value
            return result
