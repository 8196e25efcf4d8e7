"""The one entrance every trigger uses to start a run: API, editor, webhooks, schedules."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError

from kyra.db.models import Graph, GraphVersion, Run
from kyra.db.queries import runs as run_queries
from kyra.engine.inline import RunResult, run_graph_inline
from kyra.engine.queue import start_queued_run
from kyra.engine.services import EngineServices
from kyra.engine.storable import check_storable


@dataclass
class Started:
    """A run that was started, or found through its idempotency key (``existing``)."""

    run: Run
    result: RunResult | None = None
    existing: bool = False


def _budget(graph: Graph, budget_usd: Decimal | None) -> Decimal | None:
    if budget_usd is not None:
        return budget_usd
    default = (graph.settings or {}).get("budget_usd")
    return Decimal(str(default)) if default is not None else None


async def start_run(
    services: EngineServices,
    *,
    graph: Graph,
    version: GraphVersion,
    trigger: dict[str, Any],
    mode: str = "queue",
    trigger_kind: str = "api",
    budget_usd: Decimal | None = None,
    idempotency_key: str | None = None,
    run_id: uuid.UUID | None = None,
) -> Started:
    """Start a run of ``version`` in ``mode``; a repeated idempotency key returns the first run.

    Raises:
        UnstorableValueError: the trigger holds a value the database cannot store.
    """
    check_storable(trigger, what="trigger")
    if mode == "queue":
        assert services.dispatcher is not None
        await services.dispatcher.check_capacity()
    budget = _budget(graph, budget_usd)
    existing_row: Run | None = None
    if idempotency_key:
        first, existing_row = await _claim_key(
            services, graph, version, trigger, mode, trigger_kind, budget, idempotency_key,
            run_id,
        )  # fmt: skip
        if first is not None:
            return Started(first, existing=True)
    if mode == "sync":
        run = existing_row or _new_run(
            graph, version, trigger, "sync", trigger_kind, budget, None, run_id
        )
        result = await run_graph_inline(
            services, graph=graph, version=version, run=run, persisted=existing_row is not None
        )
        return Started(result.run, result)
    if existing_row is not None:  # committed as queued when the key was claimed
        assert services.dispatcher is not None
        await services.dispatcher.advance_run(existing_row.id)
        return Started(existing_row)
    run = _new_run(graph, version, trigger, "queue", trigger_kind, budget, None, run_id)
    async with services.session_factory() as session:
        await start_queued_run(services, session, run)
    return Started(run)


def _new_run(
    graph: Graph, version: GraphVersion, trigger: dict[str, Any], mode: str, trigger_kind: str,
    budget: Decimal | None, key: str | None, run_id: uuid.UUID | None = None,
) -> Run:  # fmt: skip
    return Run(
        id=run_id or uuid.uuid4(),
        owner_id=graph.owner_id,
        graph_id=graph.id,
        graph_version_id=version.id,
        status="queued",
        mode=mode,
        trigger_kind=trigger_kind,
        trigger=trigger,
        budget_usd=budget,
        idempotency_key=key,
        created_at=datetime.now(UTC),
    )


async def _claim_key(
    services: EngineServices, graph: Graph, version: GraphVersion, trigger: dict[str, Any],
    mode: str, trigger_kind: str, budget: Decimal | None, key: str, run_id: uuid.UUID | None,
) -> tuple[Run | None, Run | None]:  # fmt: skip
    """Insert the run row holding ``key``.

    Returns ``(first run, None)`` when the key is taken, else ``(None, the new row)``.
    """
    async with services.session_factory() as session:
        found = await run_queries.find_by_idempotency_key(session, owner_id=graph.owner_id, key=key)
        if found is not None:
            return found, None
        run = _new_run(graph, version, trigger, mode, trigger_kind, budget, key, run_id)
        if mode == "queue":
            assert services.dispatcher is not None
            run.queue = services.dispatcher.queue_name
        if mode == "sync":  # stored while it runs: this process holds its lease
            now = datetime.now(UTC)
            run.status, run.started_at = "running", now
            run.lease_owner = services.instance_id
            run.lease_expires_at = now + timedelta(seconds=services.settings.lease_seconds)
        session.add(run)
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()
            found = await run_queries.find_by_idempotency_key(
                session, owner_id=graph.owner_id, key=key
            )
            return found, None
    return None, run
