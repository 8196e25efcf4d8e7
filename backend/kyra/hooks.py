"""Engine hooks: the port through which plug-ins react to run and node-run changes (events,
traces, metrics, logs); the engine calls them, and they import nothing of the engine.

Each concern is a small subclass; the base methods do nothing, so a hook implements only what
it needs. Hooks are called after the change is committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import msgspec

_log = logging.getLogger("kyra.engine")


#: Run statuses after which a run never changes again (``run_finished`` fires once they are
#: reached).
FINISHED = frozenset({"succeeded", "failed", "cancelled"})


def run_channel(run_id: object) -> str:
    """Redis pub/sub channel carrying one run's events: each message is a JSON array of them,
    in order (``{"event": "run" | "node" | "step", "data": ...}``)."""
    return f"kyra:run:{run_id}"


@dataclass(slots=True)
class NodeAttempt:
    """One attempt of one node, as hooks around it see it (ids, never params or outputs)."""

    run_id: UUID
    graph_id: UUID
    version: int
    mode: str
    node_id: str
    node_type: str
    attempt: int
    node_run_id: UUID | None = None
    #: The run's W3C trace context (see ``Run.traceparent``).
    traceparent: str | None = None
    #: The attempt's result (an ``Outcome``), set before the hooks' contexts exit; None for an
    #: attempt that was cancelled.
    outcome: Any = None
    #: ``time.perf_counter()`` when the attempt began.
    started: float = field(default_factory=time.perf_counter)


class EngineHook:
    """Base hook; every method is a no-op."""

    async def run_changed(self, run: dict[str, Any]) -> None:
        """``run`` is the run as served by the API (without node runs)."""

    async def node_changed(self, run_id: object, node_run: dict[str, Any]) -> None:
        """``node_run`` is the node run as served by the API."""

    async def nodes_changed(self, run_id: object, node_runs: Sequence[dict[str, Any]]) -> None:
        """Several node runs changed at once, in order (a hook may announce them together)."""
        for node_run in node_runs:
            await self.node_changed(run_id, node_run)

    async def step_changed(self, run_id: object, step: dict[str, Any]) -> None:
        """``step`` is an agent step (a child node run) as served by the API."""

    async def run_finished(self, run: dict[str, Any]) -> None:
        """``run`` (as served by the API) reached a final status, in either mode."""

    def node_attempt(self, attempt: NodeAttempt) -> AbstractContextManager[None] | None:
        """A context entered around one node attempt, in the process executing it (tracing
        spans, log context), or None when the hook has nothing to do there; ``attempt.outcome``
        is set before it exits. Synchronous and cheap: it wraps every node the engine runs."""
        return None

    def node_attempted(self, attempt: NodeAttempt) -> None:
        """One node attempt ended, in the process that ran it (metrics); its contexts from
        :meth:`node_attempt` are still open. Synchronous and cheap, as :meth:`node_attempt`."""

    async def close(self) -> None:
        """Release resources."""


class HookChain(EngineHook):
    """Calls several hooks in order; one failing hook never breaks a run.

    The two calls around every node attempt go only to the hooks that implement them: the
    engine makes them for every node it runs.
    """

    def __init__(self, hooks: Sequence[EngineHook]) -> None:
        self.hooks: list[EngineHook] = []
        self._around: list[EngineHook] = []
        self._after: list[EngineHook] = []
        for hook in hooks:
            self.add(hook)

    def add(self, hook: EngineHook) -> None:
        """Call ``hook`` after the hooks already chained."""
        self.hooks.append(hook)
        if type(hook).node_attempt is not EngineHook.node_attempt:
            self._around.append(hook)
        if type(hook).node_attempted is not EngineHook.node_attempted:
            self._after.append(hook)

    async def run_changed(self, run: dict[str, Any]) -> None:
        for hook in self.hooks:
            try:
                await hook.run_changed(run)
            except Exception:
                _log.exception("hook %s failed on run_changed", type(hook).__name__)
        if run.get("status") in FINISHED:
            await self.run_finished(run)

    async def run_finished(self, run: dict[str, Any]) -> None:
        for hook in self.hooks:
            try:
                await hook.run_finished(run)
            except Exception:
                _log.exception("hook %s failed on run_finished", type(hook).__name__)

    def node_attempt(self, attempt: NodeAttempt) -> AbstractContextManager[None]:
        managers = [m for hook in self._around if (m := hook.node_attempt(attempt)) is not None]
        if len(managers) > 1:
            return _Nested(managers)
        return managers[0] if managers else contextlib.nullcontext()

    def node_attempted(self, attempt: NodeAttempt) -> None:
        for hook in self._after:
            try:
                hook.node_attempted(attempt)
            except Exception:
                _log.exception("hook %s failed on node_attempted", type(hook).__name__)

    async def node_changed(self, run_id: object, node_run: dict[str, Any]) -> None:
        for hook in self.hooks:
            try:
                await hook.node_changed(run_id, node_run)
            except Exception:
                _log.exception("hook %s failed on node_changed", type(hook).__name__)

    async def nodes_changed(self, run_id: object, node_runs: Sequence[dict[str, Any]]) -> None:
        for hook in self.hooks:
            try:
                await hook.nodes_changed(run_id, node_runs)
            except Exception:
                _log.exception("hook %s failed on nodes_changed", type(hook).__name__)

    async def step_changed(self, run_id: object, step: dict[str, Any]) -> None:
        for hook in self.hooks:
            try:
                await hook.step_changed(run_id, step)
            except Exception:
                _log.exception("hook %s failed on step_changed", type(hook).__name__)

    async def close(self) -> None:
        for hook in reversed(self.hooks):
            await hook.close()


class _Nested:
    """Several contexts entered in order and exited in reverse, as nested ``with`` blocks.

    ``contextlib.ExitStack`` does the same for any number of contexts, at several times the
    cost of the contexts themselves here: it wraps every exit in a new bound method.
    """

    __slots__ = ("_managers",)

    def __init__(self, managers: list[AbstractContextManager[None]]) -> None:
        self._managers = managers

    def __enter__(self) -> None:
        for index, manager in enumerate(self._managers):
            try:
                manager.__enter__()
            except BaseException as exc:
                _exit_all(self._managers[:index], exc)
                raise

    def __exit__(self, kind: object, exc: BaseException | None, traceback: object) -> bool:
        return _exit_all(self._managers, exc)


def _exit_all(managers: list[AbstractContextManager[None]], exc: BaseException | None) -> bool:
    """Exit ``managers`` innermost first, each seeing the exception the inner ones left (one an
    exit raises replaces it); True when the original exception was suppressed."""
    pending = exc
    for manager in reversed(managers):
        try:
            if pending is None:
                manager.__exit__(None, None, None)
            elif manager.__exit__(type(pending), pending, pending.__traceback__):
                pending = None
        except BaseException as new:
            pending = new
    if pending is not None and pending is not exc:
        raise pending
    return exc is not None and pending is None


#: Run events as JSON (values JSON lacks, such as datetimes, as strings).
_encode = msgspec.json.Encoder(enc_hook=str).encode


def _by_channel(batch: list[tuple[str, bytes]]) -> dict[str, list[bytes]]:
    """The payloads of ``batch`` by channel, each channel's in the order they were queued."""
    grouped: dict[str, list[bytes]] = {}
    for channel, payload in batch:
        grouped.setdefault(channel, []).append(payload)
    return grouped


class RedisEventsHook(EngineHook):
    """Publishes run and node-run changes on Redis for the API's event streams.

    Events are queued in order and sent by one task, every event waiting in one pipeline: the
    engine never waits on Redis (a slow or frozen Redis delays the streams, not the runs), and a
    process busy with many runs, or a worker going through a chain, sends many events per round
    trip. The events of one run waiting together go in one message: a worker going through a
    chain sends two per node, and each command of a pipeline cost it over 100 Python calls.
    A batch Redis did not take is sent again, in order, until it does (a stream waits for its
    run's last event); while Redis is away, new events are dropped once MAX_PENDING wait.
    """

    #: New events are dropped while this many wait (Redis is down or frozen), with a warning.
    MAX_PENDING = 10_000
    #: How long the sender waits for more events before it sends a batch smaller than BATCH:
    #: long enough for a worker going through a chain to send a dozen nodes' events at once
    #: (a pipeline costs the worker about 0.5 ms of CPU), short for a person watching a run.
    LINGER_SECONDS = 0.02
    BATCH = 256

    def __init__(self, redis: Any) -> None:
        self.redis = redis
        self._pending: list[tuple[str, bytes]] = []
        self._sender: asyncio.Task[None] | None = None
        self._dropped = 0

    async def run_changed(self, run: dict[str, Any]) -> None:
        self._publish(run["id"], "run", run)

    async def node_changed(self, run_id: object, node_run: dict[str, Any]) -> None:
        self._publish(run_id, "node", node_run)

    async def nodes_changed(self, run_id: object, node_runs: Sequence[dict[str, Any]]) -> None:
        for node_run in node_runs:
            self._publish(run_id, "node", node_run)

    async def step_changed(self, run_id: object, step: dict[str, Any]) -> None:
        self._publish(run_id, "step", step)

    def _publish(self, run_id: object, event: str, data: dict[str, Any]) -> None:
        if len(self._pending) >= self.MAX_PENDING:
            if not self._dropped:
                _log.warning("run events are not being sent (Redis unreachable?): dropping")
            self._dropped += 1
            return
        self._pending.append((run_channel(run_id), _encode({"event": event, "data": data})))
        loop = asyncio.get_running_loop()
        if self._sender is None or self._sender.done() or self._sender.get_loop() is not loop:
            self._sender = loop.create_task(self._send())

    async def _send(self) -> None:
        pause = 0.0
        while self._pending:
            if pause or len(self._pending) < self.BATCH:
                await asyncio.sleep(max(pause, self.LINGER_SECONDS))
            batch, self._pending = self._pending, []
            pipe = self.redis.pipeline(transaction=False)
            for channel, payloads in _by_channel(batch).items():
                pipe.publish(channel, b"[" + b",".join(payloads) + b"]")
            try:
                await pipe.execute()
            except Exception:
                if not pause:
                    _log.warning("sending run events failed; retrying", exc_info=True)
                # Sent again, in order, once Redis answers: a batch can hold a run's last
                # event, which a stream waits for. One that failed midway may repeat a few
                # events (streams take a repeat as harmless).
                self._pending[:0] = batch
                pause = min(max(pause * 2, 0.1), 2.0)
                continue
            if pause or self._dropped:
                _log.warning("run events are sent again (%d were dropped)", self._dropped)
            pause, self._dropped = 0.0, 0

    async def close(self) -> None:
        if self._sender is not None and not self._sender.done():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._sender, self.LINGER_SECONDS + 5)
        await self.redis.aclose()
