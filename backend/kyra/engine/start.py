"""The one entrance every trigger uses to start a run: API, editor, webhooks, schedules."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError

from kyra.db.models import Graph, GraphVersion, Run, RunRow
from kyra.db.queries import runs as run_queries
from kyra.engine.inline import RunResult, run_graph_inline
from kyra.engine.queue import start_queued_run
from kyra.engine.services import EngineServices
from kyra.engine.storable import check_storable
from kyra.observability.context import current_traceparent
from kyra.status import RunMode, RunStatus


@dataclass
class Started:
    """A run that was started, or found through its idempotency key (``existing``)."""

    run: Run | RunRow
    result: RunResult | None = None
    existing: bool = False


@dataclass(frozen=True)
class RunRequest:
    """Everything that starts a run: which version, with what trigger, how, and at most once."""

    graph: Graph
    version: GraphVersion
    #: The payload the run starts from (``trigger`` in templates).
    trigger: dict[str, Any]
    mode: RunMode = RunMode.queue
    #: What started it: manual, api, webhook, schedule, channel, agent …
    trigger_kind: str = "api"
    #: Hard cap on the run's model spending; the graph's ``settings.budget_usd`` when None.
    budget_usd: Decimal | None = None
    #: A repeated key returns the first run instead of starting another.
    idempotency_key: str | None = None
    #: The new run's id, when the caller hands it out before the run is stored.
    run_id: uuid.UUID | None = None

    @property
    def budget(self) -> Decimal | None:
        if self.budget_usd is not None:
            return self.budget_usd
        default = (self.graph.settings or {}).get("budget_usd")
        return Decimal(str(default)) if default is not None else None

    def new_run(self, *, key: str | None = None) -> Run:
        """The run row this request makes (queued, not stored)."""
        return Run(**self._run_values(key))

    def unstored_run(self) -> RunRow:
        """The same run as :meth:`new_run`, for a run executed in memory before it is stored."""
        return RunRow(**self._run_values(None))

    def _run_values(self, key: str | None) -> dict[str, Any]:
        now = datetime.now(UTC)
        return {
            "id": self.run_id or uuid.uuid4(),
            "owner_id": self.graph.owner_id,
            "graph_id": self.graph.id,
            "graph_version_id": self.version.id,
            "status": RunStatus.queued,
            "mode": self.mode,
            "trigger_kind": self.trigger_kind,
            "trigger": self.trigger,
            "budget_usd": self.budget,
            "idempotency_key": key,
            # Both given: a default factory costs pydantic a signature inspection per run.
            "created_at": now,
            "updated_at": now,
            "traceparent": current_traceparent(),
        }


async def start_run(services: EngineServices, request: RunRequest) -> Started:
    """Start the run ``request`` describes; a repeated idempotency key returns the first run.

    Raises:
        UnstorableValueError: the trigger holds a value the database cannot store.
        QueueFullError: a queue run, and the queue's backlog is over its limit.
    """
    check_storable(request.trigger, what="trigger")
    if request.mode == RunMode.queue:
        assert services.dispatcher is not None
        await services.dispatcher.check_capacity()
    existing_row: Run | None = None
    if request.idempotency_key:
        first, existing_row = await _claim_key(services, request, request.idempotency_key)
        if first is not None:
            return Started(first, existing=True)
    if request.mode == RunMode.sync:
        run = existing_row or request.unstored_run()
        result = await run_graph_inline(
            services, graph=request.graph, version=request.version, run=run,
            persisted=existing_row is not None,
        )  # fmt: skip
        return Started(result.run, result)
    if existing_row is not None:  # committed as queued when the key was claimed
        assert services.dispatcher is not None
        await services.dispatcher.advance_run(existing_row.id)
        return Started(existing_row)
    run = request.new_run()
    async with services.session_factory() as session:
        await start_queued_run(services, session, run)
    return Started(run)


async def _claim_key(
    services: EngineServices, request: RunRequest, key: str
) -> tuple[Run | None, Run | None]:
    """Insert the run row holding ``key``.

    Returns ``(first run, None)`` when the key is taken, else ``(None, the new row)``.
    """
    owner_id = request.graph.owner_id
    async with services.session_factory() as session:
        found = await run_queries.find_by_idempotency_key(session, owner_id=owner_id, key=key)
        if found is not None:
            return found, None
        run = request.new_run(key=key)
        if request.mode == RunMode.queue:
            assert services.dispatcher is not None
            run.queue = services.dispatcher.queue_name
        if request.mode == RunMode.sync:  # stored while it runs: this process holds its lease
            now = datetime.now(UTC)
            run.status, run.started_at = RunStatus.running, now
            run.lease_owner = services.instance_id
            run.lease_expires_at = now + timedelta(seconds=services.settings.lease_seconds)
        session.add(run)
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()
            found = await run_queries.find_by_idempotency_key(session, owner_id=owner_id, key=key)
            return found, None
    return None, run
