"""Start the runs of due schedules, each occurrence exactly once across scheduler processes.

Two guards make that hold: due rows are locked with ``FOR UPDATE SKIP LOCKED`` (a second
scheduler passes them by), and every run carries the idempotency key
``schedule:<id>:<occurrence>``, so even a pass that dies between starting a run and moving the
schedule on cannot start that occurrence twice.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from kyra.db.models import Graph, Schedule
from kyra.db.queries import graphs as graph_queries
from kyra.db.queries.schedules import lock_due
from kyra.engine.services import EngineServices
from kyra.engine.start import start_run
from kyra.scheduler.cron import Firing, plan_firing
from kyra.scheduler.polls import poll_due

_log = logging.getLogger("kyra.scheduler")


def occurrence_key(schedule: Schedule, fire_at: datetime) -> str:
    return f"schedule:{schedule.id}:{fire_at.astimezone(UTC).isoformat()}"


async def fire_due(services: EngineServices, *, now: datetime | None = None) -> int:
    """One pass: start a run for every due schedule (per its missed policy); returns the count."""
    now = now or datetime.now(UTC)
    grace = timedelta(seconds=services.settings.scheduler_grace_seconds)
    started = 0
    async with services.session_factory() as session, session.begin():
        for schedule in await lock_due(session, now=now):
            assert schedule.next_fire_at is not None
            firing = plan_firing(
                schedule.cron, schedule.timezone, due=schedule.next_fire_at, now=now,
                policy=schedule.missed_policy, grace=grace,
            )  # fmt: skip
            if firing.fire_at is not None:
                try:
                    await _start(services, schedule, firing, now)
                except Exception:  # leave it due: the next pass retries under the same key
                    _log.exception("schedule %s: starting its run failed", schedule.id)
                    continue
                schedule.last_fire_at = firing.fire_at
                started += 1
            elif firing.missed:
                _log.info("schedule %s: skipped %d missed occurrences", schedule.id, firing.missed)
            schedule.next_fire_at = firing.next_at
    return started


async def _start(
    services: EngineServices, schedule: Schedule, firing: Firing, now: datetime
) -> None:
    assert firing.fire_at is not None
    async with services.session_factory() as session:
        graph = await session.get(Graph, schedule.graph_id)
        assert graph is not None
        version = await graph_queries.latest_version(session, graph.id)
    trigger: dict[str, Any] = {
        "scheduled_at": firing.fire_at.isoformat(),
        "fired_at": now.isoformat(),
        "missed": firing.missed,
        "cron": schedule.cron,
        "timezone": schedule.timezone,
        "payload": schedule.payload,
    }
    await start_run(
        services, graph=graph, version=version, trigger=trigger, trigger_kind="schedule",
        idempotency_key=occurrence_key(schedule, firing.fire_at),
    )  # fmt: skip


async def run_scheduler(
    services: EngineServices, *, stop: asyncio.Event, interval_s: float | None = None
) -> None:
    """Pass over due schedules and polling triggers every ``interval_s`` until ``stop`` is set."""
    interval = interval_s or services.settings.scheduler_interval_seconds
    while not stop.is_set():
        try:
            await fire_due(services)
        except Exception:  # a lost database connection must not end the process
            _log.exception("scheduler pass failed")
        try:
            await poll_due(services)
        except Exception:
            _log.exception("polling pass failed")
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
        except TimeoutError:
            pass
