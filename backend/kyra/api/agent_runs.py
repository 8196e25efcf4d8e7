"""Agent-era operations on runs: the trace tree, approving or rejecting a pause, and replay."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, get, post
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from kyra.agents.replay import replay_run
from kyra.agents.trace import build_trace, trace_totals
from kyra.api.auth import Principal
from kyra.api.fields import Text, Version
from kyra.api.runs import run_read
from kyra.db.models import Run
from kyra.db.queries import agents as agent_queries
from kyra.db.queries import runs as queries
from kyra.engine.approval import decide_run
from kyra.engine.services import EngineServices


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: Text = Field("", max_length=5000)


class ReplayCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Version | None = Field(None, description="Replay against this graph version")


class AgentRunController(Controller):
    tags = ["runs"]

    @get("/api/runs/{run_id:uuid}/trace")
    async def trace(
        self, run_id: uuid.UUID, db_session: AsyncSession, principal: Principal
    ) -> dict[str, Any]:
        run = await queries.get_run(db_session, owner_id=principal.user_id, run_id=run_id)
        tree = build_trace(await agent_queries.all_node_runs(db_session, run.id))
        return {"run_id": str(run.id), "status": run.status, "totals": trace_totals(tree),
                "tree": tree}  # fmt: skip

    @post("/api/runs/{run_id:uuid}/approve", status_code=200)
    async def approve(
        self, run_id: uuid.UUID, db_session: AsyncSession, principal: Principal,
        services: EngineServices, data: Decision | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        return await self._decide(run_id, db_session, principal, services, data, approved=True)

    @post("/api/runs/{run_id:uuid}/reject", status_code=200)
    async def reject(
        self, run_id: uuid.UUID, db_session: AsyncSession, principal: Principal,
        services: EngineServices, data: Decision | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        return await self._decide(run_id, db_session, principal, services, data, approved=False)

    async def _decide(
        self, run_id: uuid.UUID, db_session: AsyncSession, principal: Principal,
        services: EngineServices, data: Decision | None, *, approved: bool,
    ) -> dict[str, Any]:  # fmt: skip
        run = await queries.get_run(db_session, owner_id=principal.user_id, run_id=run_id)
        await decide_run(
            services, run.id, approved=approved, comment=data.comment if data else "",
            decided_by=principal.name,
        )  # fmt: skip
        await db_session.refresh(run)
        return await run_read(db_session, run)

    @post("/api/runs/{run_id:uuid}/replay", status_code=200)
    async def replay(
        self, run_id: uuid.UUID, db_session: AsyncSession, principal: Principal,
        services: EngineServices, data: ReplayCreate | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        source = await queries.get_run(db_session, owner_id=principal.user_id, run_id=run_id)
        result = await replay_run(services, source, version=data.version if data else None)
        view = await run_read(db_session, await db_session.get(Run, result.run.id) or result.run)
        error = result.run.error or {}
        diverged = error.get("type") == "ReplayDivergedError"
        view["replay"] = {"source_run_id": str(source.id), "diverged": diverged,
                          "divergence": error if diverged else None}  # fmt: skip
        return view


ROUTES = [AgentRunController]
