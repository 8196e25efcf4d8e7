"""Polling triggers: every due poll asks its service for what is new since its cursor and starts
one run per new event. An event starts its run once, even when a scheduler dies between
starting runs and saving the cursor (the next poll sees the same events; their run keys are
taken), and two schedulers never poll one trigger at once (claiming moves its next time)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from kyra import masking
from kyra.db.models import Graph, TriggerPoll
from kyra.db.queries import graphs as graph_queries
from kyra.db.queries.polls import claim_due, finish_poll
from kyra.engine.services import EngineServices
from kyra.engine.triggers import EngineTriggerContext, start_event_runs, trigger_node
from kyra.errors import KyraError

_log = logging.getLogger("kyra.scheduler.polls")
#: Longest error kept on a poll.
MAX_ERROR = 1000


async def poll_due(services: EngineServices, *, now: datetime | None = None) -> int:
    """Run every due poll once; returns how many runs they started."""
    now = now or datetime.now(UTC)
    async with services.session_factory() as session, session.begin():
        claimed = await claim_due(session, now=now)
    started = 0
    for poll in claimed:
        count, cursor, error = await _poll(services, poll)
        started += count
        async with services.session_factory() as session, session.begin():
            await finish_poll(session, poll.id, cursor=cursor, started=count, error=error, now=now)
    return started


async def _poll(
    services: EngineServices, poll: TriggerPoll
) -> tuple[int, dict[str, Any] | None, str | None]:
    """(runs started, new cursor, error message)."""
    async with services.session_factory() as session:
        graph = await session.get(Graph, poll.graph_id)
        version = await graph_queries.latest_version(session, poll.graph_id)
    node = trigger_node(version, poll.node_id)
    spec = services.registry.get(poll.node_type)
    if graph is None or node is None or spec is None or spec.poll is None:
        return 0, poll.cursor, f"{poll.node_type} cannot poll (is it installed?)"
    ctx = EngineTriggerContext(services, graph=graph, node=node, spec=spec)
    try:
        params = spec.params.model_validate(node.get("params") or {})
        polled = await asyncio.wait_for(spec.poll(ctx, params, poll.cursor), spec.timeout_s)
        started = await start_event_runs(
            services, graph=graph, version=version, node_id=poll.node_id,
            events=polled.events, trigger_kind="poll",
        )  # fmt: skip
    except (KyraError, ValidationError, TimeoutError) as exc:
        message = str(exc) or type(exc).__name__
        return 0, poll.cursor, ctx.credentials.mask(message)[:MAX_ERROR]
    except Exception as exc:  # a handler bug must not stop the other polls
        _log.exception("poll of %s (%s) failed", poll.node_id, poll.node_type)
        return 0, poll.cursor, masking.mask(repr(exc), ctx.credentials.secrets)[:MAX_ERROR]
    return len(started), polled.cursor, None
