"""Webhook ingress ``/hooks/{path}``: start the graph, answer with its reply or a run id."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from litestar import Controller, Request, Response, route
from litestar.enums import HttpMethod

from kyra.db.models import Graph
from kyra.db.queries import graphs as graph_queries
from kyra.db.queries import runs as run_queries
from kyra.engine.services import EngineServices
from kyra.engine.start import start_run
from kyra.errors import NotFoundError

#: Runs that outlived their reply timeout, kept referenced until they finish.
_background: set[asyncio.Future[Any]] = set()
#: Request headers never handed to graphs.
_HIDDEN_HEADERS = frozenset({"authorization", "cookie", "x-api-key", "proxy-authorization"})


def _parse_body(raw: bytes, content_type: str) -> Any:
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return text


async def build_trigger(request: Request[Any, Any, Any], path: str) -> dict[str, Any]:
    raw = await request.body()
    return {
        "method": request.method,
        "path": path,
        "query": dict(request.query_params),
        "headers": {k: v for k, v in request.headers.items() if k.lower() not in _HIDDEN_HEADERS},
        "body": _parse_body(raw, request.headers.get("content-type", "")),
    }


def webhook_reply(run_view: dict[str, Any], node_runs: list[Any]) -> Response[Any]:
    """The Webhook.respond node's reply, or the run's outcome when the graph has none."""
    for node_run in node_runs:
        if node_run.node_type == "Webhook.respond" and node_run.status == "succeeded":
            reply = (node_run.output or {}).get("out") or {}
            return Response(
                reply.get("body"),
                status_code=int(reply.get("status", 200)),
                headers=reply.get("headers") or {},
            )
    if run_view["status"] == "failed":
        return Response(
            {"run_id": run_view["id"], "status": "failed", "error": run_view["error"]},
            status_code=500,
        )
    return Response(
        {"run_id": run_view["id"], "status": run_view["status"], "output": run_view["output"]}
    )


class HookController(Controller):
    tags = ["webhooks"]

    @route(
        "/hooks/{path:path}",
        http_method=[
            HttpMethod.GET,
            HttpMethod.POST,
            HttpMethod.PUT,
            HttpMethod.PATCH,
            HttpMethod.DELETE,
        ],
        opt={"public": True},
    )
    async def receive(
        self, path: str, request: Request[Any, Any, Any], services: EngineServices
    ) -> Response[Any]:
        path = path.strip("/")
        async with services.session_factory() as session:
            hook = await graph_queries.find_webhook(session, path)
            if hook is None:
                raise NotFoundError(f"no webhook at /hooks/{path}")
            graph = await session.get(Graph, hook.graph_id)
            assert graph is not None
            version = await graph_queries.latest_version(session, graph.id)
        if request.method not in hook.methods:
            return Response(
                {"status_code": 405, "detail": f"method {request.method} not allowed"},
                status_code=405,
            )
        trigger = await build_trigger(request, path)
        timeout = _reply_timeout(version.document, hook.node_id)
        if hook.reply_mode == "async":
            started = await start_run(
                services, graph=graph, version=version, trigger=trigger, trigger_kind="webhook"
            )
            return Response({"run_id": str(started.run.id), "status": "queued"}, status_code=202)
        run_id = uuid.uuid4()
        task = asyncio.ensure_future(
            start_run(
                services, graph=graph, version=version, trigger=trigger, mode="sync",
                trigger_kind="webhook", run_id=run_id,
            )
        )  # fmt: skip
        done, _ = await asyncio.wait({task}, timeout=timeout)
        if not done:
            # Too slow to answer inline: it finishes in the background; hand out its id.
            _background.add(task)
            task.add_done_callback(_background.discard)
            return Response({"run_id": str(run_id), "status": "running"}, status_code=202)
        started = task.result()
        assert started.result is not None
        return webhook_reply(run_queries.run_view(started.run), started.result.node_runs)


def _reply_timeout(document: dict[str, Any], node_id: str) -> float:
    for node in document.get("nodes", []):
        if node.get("id") == node_id:
            return float((node.get("params") or {}).get("timeout_s", 30))
    return 30.0
