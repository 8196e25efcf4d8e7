"""What the editor needs beyond graphs and runs: test runs with pinned data, one node at a time,
and the live preview of a template against sample data."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from litestar import Controller, Response, post
from pydantic import BaseModel, ConfigDict, Field, model_validator

from kyra.api.auth import Principal
from kyra.api.fields import Version
from kyra.api.runs import run_read
from kyra.api.schemas.editor import PreviewError, TemplatePreviewRead
from kyra.api.schemas.runs import RunRead
from kyra.db.models import Run
from kyra.db.queries import graphs as graph_queries
from kyra.engine import templating
from kyra.engine.editor_runs import start_test_run
from kyra.engine.services import EngineServices
from kyra.errors import KyraError


class TestRunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    inputs: dict[str, Any] = Field(default_factory=dict, description="The trigger payload")
    pinned: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Node id → output ports used instead of running it"
    )
    until: str | None = Field(
        None, min_length=1, max_length=100, description="Run only this node and those before it"
    )
    mode: Literal["queue", "sync"] = "queue"
    version: Version | None = Field(None, description="Graph version (default: the latest)")

    @model_validator(mode="after")
    def _until_runs_inline(self) -> TestRunCreate:
        if self.until is not None and self.mode != "sync":
            raise ValueError("until runs part of the graph inside the API: use mode 'sync'")
        return self


class TemplatePreview(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template: Any = Field(description="A template string, or JSON holding template strings")
    context: dict[str, Any] = Field(
        default_factory=dict, description="trigger, nodes.<id>.output, run, item … as a run has"
    )


class EditorController(Controller):
    tags = ["editor"]

    @post(
        "/api/graphs/{graph_id:uuid}/test-runs",
        status_code=200,
        # 422: a pinned output names a node or an output port the graph does not have.
        opt={"errors": [422], "statuses": {202: "Queued (mode queue): the test run as it starts"}},
    )
    async def test_run(
        self, graph_id: uuid.UUID, data: TestRunCreate, principal: Principal,
        services: EngineServices,
    ) -> Response[RunRead]:  # fmt: skip
        """Start a test run: pinned nodes give their pinned outputs instead of running."""
        async with services.session_factory() as session:
            graph = await graph_queries.get_graph(
                session, owner_id=principal.user_id, graph_id=graph_id
            )
            if data.version is None:
                version = await graph_queries.latest_version(session, graph.id)
            else:
                version = await graph_queries.get_version(session, graph.id, data.version)
        run = await start_test_run(
            services, graph=graph, version=version, trigger=data.inputs, pinned=data.pinned,
            until=data.until, mode=data.mode,
        )  # fmt: skip
        async with services.session_factory() as session:
            view = await run_read(session, await session.get(Run, run.id) or run)
        return Response(view, status_code=200 if data.mode == "sync" else 202)

    @post("/api/templates/preview", status_code=200)
    async def preview(self, data: TemplatePreview) -> TemplatePreviewRead:
        """Render a template in the run's sandbox: its value, or the error a run would get."""
        try:
            return TemplatePreviewRead(
                value=templating.render(data.template, data.context), error=None
            )
        except KyraError as exc:
            error = PreviewError(type=type(exc).__name__, message=str(exc))
            return TemplatePreviewRead(value=None, error=error)
