"""Starting runs, reading them back, following them live (SSE), cancelling and resuming."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import uuid
from collections.abc import AsyncGenerator
from decimal import Decimal
from typing import Any, Literal

from litestar import Controller, Response, get, post
from litestar.di import Provide
from litestar.exceptions import PermissionDeniedException
from litestar.params import Parameter
from litestar.response import ServerSentEvent
from litestar.types import SSEData
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from kyra.api.auth import Principal
from kyra.api.fields import (
    LimitQuery,
    OffsetQuery,
    TimestampQuery,
    Version,
    parse_timestamp,
)
from kyra.api.schemas.runs import RunRead, RunSummary
from kyra.db.models import Run, RunRow
from kyra.db.queries import graphs as graph_queries
from kyra.db.queries import runs as queries
from kyra.engine import control
from kyra.engine.approval import pending_approval, pending_in
from kyra.engine.services import EngineServices
from kyra.engine.start import RunRequest, start_run
from kyra.errors import ConflictError
from kyra.hooks import run_channel
from kyra.status import TERMINAL_RUN, RunMode, RunStatus

#: How a run was started (``manual``, ``webhook``, ``schedule``, ...), as the runs table keeps it.
TRIGGER_KIND = re.compile(r"[a-z_]{1,16}")


def run_filter(
    status: list[RunStatus] | None = None,
    trigger: list[str] | None = Parameter(
        default=None, description="How runs were started: manual, webhook, schedule, ..."
    ),
    since: TimestampQuery | None = Parameter(default=None),
    until: TimestampQuery | None = Parameter(default=None),
    q: str | None = Parameter(
        default=None, pattern=r"^[0-9a-fA-F-]{1,36}$", description="Start of a run id"
    ),
) -> queries.RunFilter:
    """The runs lists' filter from their query (400 naming a malformed date or id); the lists
    add the graph."""
    return queries.RunFilter(
        statuses=tuple(status or ()),
        # A kind no run can have (control characters, a typo) matches nothing; "" stands for it.
        trigger_kinds=tuple(k if TRIGGER_KIND.fullmatch(k) else "" for k in trigger or ()),
        since=parse_timestamp(since, "since"),
        until=parse_timestamp(until, "until"),
        id_prefix=q or "",
    )


RUN_FILTER = {"where": Provide(run_filter, sync_to_thread=False)}


class RunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    inputs: dict[str, Any] = Field(default_factory=dict)
    mode: Literal["queue", "sync"] = "queue"
    budget_usd: Decimal | None = Field(None, ge=0, le=1_000_000)
    version: Version | None = None


class ResumeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    budget_usd: Decimal | None = Field(
        None, ge=0, le=1_000_000, description="Raise the budget first"
    )


class RerunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_node: str = Field(min_length=1, max_length=100)
    mode: Literal["queue", "sync"] = "queue"
    version: Version | None = Field(
        None, description="Graph version to run (default: the version the run used)"
    )


async def run_read(session: AsyncSession, run: Run | RunRow) -> RunRead:
    version = await queries.version_number(session, run.graph_version_id)
    view = queries.run_view(
        run, version=version, node_runs=await queries.list_node_runs(session, run.id)
    )
    return RunRead.of_view(view, await pending_approval(session, run))


class RunController(Controller):
    tags = ["runs"]

    @post(
        "/api/graphs/{graph_id:uuid}/runs",
        status_code=200,
        opt={"statuses": {202: "Queued (mode queue): the run as it starts"}},
    )
    async def start(
        self,
        graph_id: uuid.UUID,
        data: RunCreate,
        db_session: AsyncSession,
        principal: Principal,
        services: EngineServices,
        idempotency_key: str | None = Parameter(
            header="Idempotency-Key", default=None, max_length=200
        ),
    ) -> Response[RunRead]:
        graph = await graph_queries.get_graph(
            db_session, owner_id=principal.user_id, graph_id=graph_id
        )
        if data.version is None:
            version = await graph_queries.latest_version(db_session, graph.id)
        else:
            version = await graph_queries.get_version(db_session, graph.id, data.version)
        started = await start_run(
            services,
            RunRequest(
                graph=graph,
                version=version,
                trigger=data.inputs,
                mode=RunMode(data.mode),
                trigger_kind="manual",
                budget_usd=data.budget_usd,
                idempotency_key=f"api:{idempotency_key}" if idempotency_key else None,
            ),
        )
        if started.result is not None:
            # NodeRunRow (inline runs) has NodeRun's attributes, undeclared to mypy.
            rows: list[Any] = started.result.node_runs
            nodes = [n for n in rows if n.parent_node_run_id is None]
            view = queries.run_view(started.run, version=version.version, node_runs=nodes)
            pending = pending_in(started.result.node_runs)
            return Response(RunRead.of_view(view, pending), status_code=200)
        async with services.session_factory() as session:
            run = await session.get(Run, started.run.id) or started.run
            read = await run_read(session, run)
        return Response(read, status_code=200 if started.existing else 202)

    @get("/api/graphs/{graph_id:uuid}/runs", dependencies=RUN_FILTER)
    async def list_runs(
        self,
        graph_id: uuid.UUID,
        db_session: AsyncSession,
        principal: Principal,
        where: queries.RunFilter,
        limit: LimitQuery = 50,
        offset: OffsetQuery = 0,
    ) -> list[RunSummary]:
        graph = await graph_queries.get_graph(
            db_session, owner_id=principal.user_id, graph_id=graph_id
        )
        where = dataclasses.replace(where, graph_id=graph.id)
        views = await queries.list_runs(
            db_session, owner_id=principal.user_id, where=where, limit=limit, offset=offset
        )
        return [RunSummary.of(view) for view in views]

    @get("/api/runs", dependencies=RUN_FILTER, opt={"errors": [403]})
    async def list_all_runs(
        self,
        db_session: AsyncSession,
        principal: Principal,
        where: queries.RunFilter,
        limit: LimitQuery = 50,
        offset: OffsetQuery = 0,
        graph_id: uuid.UUID | None = None,
        who: Literal["mine", "all"] = Parameter(query="scope", default="mine"),
    ) -> list[RunSummary]:
        """The caller's runs across all graphs, newest first, filtered by the query;
        ``scope=all``: every owner's (admins only)."""
        if who == "all" and not principal.is_admin:
            raise PermissionDeniedException("only admins may see everyone's runs")
        owner = principal.readable_owner if who == "all" else principal.user_id
        where = dataclasses.replace(where, graph_id=graph_id)
        views = await queries.list_runs(
            db_session, owner_id=owner, where=where, limit=limit, offset=offset
        )
        return [RunSummary.of(view) for view in views]

    @get("/api/runs/{run_id:uuid}")
    async def read(
        self, run_id: uuid.UUID, db_session: AsyncSession, principal: Principal
    ) -> RunRead:
        run = await queries.get_run(db_session, owner_id=principal.readable_owner, run_id=run_id)
        return await run_read(db_session, run)

    @post("/api/runs/{run_id:uuid}/cancel", status_code=200)
    async def cancel(
        self,
        run_id: uuid.UUID,
        db_session: AsyncSession,
        principal: Principal,
        services: EngineServices,
    ) -> RunRead:
        run = await queries.get_run(db_session, owner_id=principal.user_id, run_id=run_id)
        await control.cancel_run(services, run.id)
        await db_session.refresh(run)
        return await run_read(db_session, run)

    @post("/api/runs/{run_id:uuid}/resume", status_code=200)
    async def resume(
        self,
        run_id: uuid.UUID,
        db_session: AsyncSession,
        principal: Principal,
        services: EngineServices,
        data: ResumeRequest | None = None,
    ) -> RunRead:
        run = await queries.get_run(db_session, owner_id=principal.user_id, run_id=run_id)
        if run.status != "paused":
            raise ConflictError(f"run is {run.status}, only paused runs can be resumed")
        await control.resume_run(services, run.id, budget_usd=data.budget_usd if data else None)
        await db_session.refresh(run)
        return await run_read(db_session, run)

    @post(
        "/api/runs/{run_id:uuid}/rerun",
        status_code=200,
        opt={"statuses": {202: "Queued (mode queue): the new run as it starts"}},
    )
    async def rerun(
        self, run_id: uuid.UUID, data: RerunCreate, db_session: AsyncSession, principal: Principal,
        services: EngineServices,
    ) -> Response[RunRead]:  # fmt: skip
        source = await queries.get_run(db_session, owner_id=principal.user_id, run_id=run_id)
        version = None
        if data.version is not None:
            version = await graph_queries.get_version(db_session, source.graph_id, data.version)
        run = await control.rerun_from(
            services, source, data.from_node, mode=data.mode, version=version
        )
        async with services.session_factory() as session:
            view = await run_read(session, await session.get(Run, run.id) or run)
        return Response(view, status_code=200 if data.mode == "sync" else 202)

    @get(
        "/api/runs/{run_id:uuid}/events",
        opt={"content": {"text/event-stream": {"schema": {"type": "string"}}}},
    )
    async def events(
        self,
        run_id: uuid.UUID,
        db_session: AsyncSession,
        principal: Principal,
        services: EngineServices,
    ) -> ServerSentEvent:
        run = await queries.get_run(db_session, owner_id=principal.readable_owner, run_id=run_id)
        return ServerSentEvent(_event_stream(services, run.id))


async def _event_stream(
    services: EngineServices, run_id: uuid.UUID
) -> AsyncGenerator[SSEData, None]:
    """The run as a snapshot, then its live changes until it is final.

    The stream subscribes before it reads the snapshot, so no change made after the snapshot
    can be missed (a change made just before it may arrive twice, which is harmless).
    """
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(services.settings.redis_url)
    pubsub = client.pubsub()
    try:
        await pubsub.subscribe(run_channel(run_id))
        async with services.session_factory() as session:
            run = await session.get(Run, run_id)
            assert run is not None
            snapshot = await run_read(session, run)
        yield {"event": "snapshot", "data": snapshot.model_dump_json()}
        if snapshot.status in TERMINAL_RUN:
            return
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=15.0)
            if message is None:
                yield {"comment": "keep-alive"}
                continue
            for event in json.loads(message["data"]):
                yield {"event": event["event"], "data": json.dumps(event["data"], default=str)}
                if event["event"] == "run" and event["data"]["status"] in TERMINAL_RUN:
                    return
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]  # unannotated in redis-py
        await client.aclose()
        await asyncio.sleep(0)
