"""Webhook ingress ``/hooks/{path}``: check the signature, start the graph once, answer with its
reply or a run id.

A graph with a signing secret only accepts requests signed as DESIGN §5 says; a replayed signed
request, or a repeated ``Idempotency-Key``, returns the first run instead of starting another.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Controller, Request, Response, route
from litestar.enums import HttpMethod

from kyra.api.bodies import check_json_depth
from kyra.api.inbound import receive_inbound
from kyra.crypto import decrypt_text
from kyra.db.models import Graph, GraphVersion, NodeRun, NodeRunRow, Run, RunRow, Webhook
from kyra.db.queries import graphs as graph_queries
from kyra.db.queries import runs as run_queries
from kyra.db.queries import webhooks as webhook_queries
from kyra.db.queries.graphs import INBOUND
from kyra.engine.inline import save_run_result
from kyra.engine.services import EngineServices
from kyra.engine.start import RunRequest, Started, start_run
from kyra.errors import NotFoundError
from kyra.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER, SignatureError, verify
from kyra.status import TERMINAL_RUN, RunMode, RunStatus

_log = logging.getLogger("kyra.api.hooks")
#: Runs that outlived their reply timeout, kept referenced until they finish.
_background: set[asyncio.Future[Any]] = set()
#: Request headers never handed to graphs.
_HIDDEN_HEADERS = frozenset({"authorization", "cookie", "x-api-key", "proxy-authorization"})
#: Newest version per graph as (version number, version, reply timeouts by node); versions are
#: immutable, and the number comes fresh with every request, so an entry is never stale.
_versions: dict[uuid.UUID, tuple[int, GraphVersion, dict[str, float]]] = {}
#: Resolved webhooks by path. A saved graph, a rotated secret or a deleted webhook reaches
#: every API process within this many seconds; only found paths are kept.
TARGET_TTL_S = 1.0
_targets: dict[str, tuple[float, HookTarget]] = {}
#: Decrypted secrets by their ciphertext (rotation changes the ciphertext).
_secrets: dict[bytes, str] = {}
_CACHE_LIMIT = 10_000
#: Longest Idempotency-Key accepted (the stored key adds the graph id).
MAX_IDEMPOTENCY_KEY = 150


class PayloadTooLargeError(Exception):
    """The request body is larger than ``webhook_max_body_bytes``."""


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


async def read_body(request: Request[Any, Any, Any], limit: int) -> bytes:
    """The raw body, refusing to buffer more than ``limit`` bytes.

    Raises:
        PayloadTooLargeError: the declared or actual length is over the limit.
        JsonTooDeepError: a JSON body nests deeper than ``max_json_depth`` (a 400).
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError
        chunks.append(chunk)
    body = b"".join(chunks)
    if "json" in request.headers.get("content-type", ""):
        check_json_depth(body, request.app.state.settings.max_json_depth)
    return body


def build_trigger(request: Request[Any, Any, Any], path: str, raw: bytes) -> dict[str, Any]:
    return {
        "method": request.method,
        "path": path,
        "query": dict(request.query_params),
        "headers": {k: v for k, v in request.headers.items() if k.lower() not in _HIDDEN_HEADERS},
        "body": _parse_body(raw, request.headers.get("content-type", "")),
    }


def webhook_reply(run: Run | RunRow, node_runs: Sequence[NodeRun | NodeRunRow]) -> Response[Any]:
    """The Webhook.respond node's reply, or the run's outcome when the graph has none."""
    for node_run in node_runs:
        if node_run.node_type == "Webhook.respond" and node_run.status == "succeeded":
            reply = (node_run.output or {}).get("out") or {}
            return Response(
                reply.get("body"),
                status_code=int(reply.get("status", 200)),
                headers=reply.get("headers") or {},
            )
    if run.status == RunStatus.failed:
        return Response(
            {"run_id": str(run.id), "status": RunStatus.failed, "error": run.error},
            status_code=500,
        )
    return Response({"run_id": str(run.id), "status": run.status, "output": run.output})


@dataclass(frozen=True)
class HookTarget:
    """Everything one request needs about its webhook, graph and newest version."""

    hook: Webhook
    graph: Graph
    version: GraphVersion
    timeout_s: float
    secret: str | None

    @property
    def requires_signature(self) -> bool:
        return bool((self.graph.settings or {}).get("require_webhook_signature"))


async def find_target(services: EngineServices, path: str) -> HookTarget:
    """Resolve ``path``: from a cache entry younger than :data:`TARGET_TTL_S`, else with one
    query (two when the graph has a version this process has not seen).

    Raises:
        NotFoundError: no webhook at this path.
    """
    now = time.monotonic()
    hit = _targets.get(path)
    if hit is not None and hit[0] > now:
        return hit[1]
    target = await _load_target(services, path)
    _remember(_targets, path, (now + TARGET_TTL_S, target))
    return target


async def _load_target(services: EngineServices, path: str) -> HookTarget:
    async with services.session_factory() as session:
        found = await webhook_queries.find_route(session, path)
        if found is None:
            raise NotFoundError(f"no webhook at /hooks/{path}")
        hook, graph = found
        cached = _versions.get(graph.id)
        if cached is None or cached[0] != graph.version:
            version = await graph_queries.latest_version(session, graph.id)
            cached = (version.version, version, _reply_timeouts(version.document))
            _remember(_versions, graph.id, cached)
    secret = None
    if graph.webhook_secret_enc is not None:
        secret = _secrets.get(graph.webhook_secret_enc)
        if secret is None:
            secret = decrypt_text(graph.webhook_secret_enc)
            _remember(_secrets, graph.webhook_secret_enc, secret)
    return HookTarget(hook, graph, cached[1], cached[2].get(hook.node_id, 30.0), secret)


def forget_targets() -> None:
    """Drop cached webhook routes; called when this process changes a graph or its secret."""
    _targets.clear()


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value


def _reply_timeouts(document: dict[str, Any]) -> dict[str, float]:
    return {
        node["id"]: float((node.get("params") or {}).get("timeout_s", 30))
        for node in document.get("nodes", [])
        if node.get("type") == "Webhook.trigger"
    }


def _error(status: int, detail: str, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response({"status_code": status, "detail": detail}, status_code=status, headers=headers)


def _run_key(
    target: HookTarget, request: Request[Any, Any, Any], raw: bytes, tolerance_s: int
) -> str | None:
    """The run's idempotency key; a signed request is keyed by its signature (replays).

    Raises:
        SignatureError: the graph needs a signature and this one is missing or wrong.
    """
    if target.secret is not None:
        digest = verify(
            target.secret,
            raw,
            timestamp=request.headers.get(TIMESTAMP_HEADER),
            signature=request.headers.get(SIGNATURE_HEADER),
            tolerance_s=tolerance_s,
        )
        # Headers are not signed, so a replay must not escape through a new Idempotency-Key.
        return f"webhook-sig:{digest}"
    if target.requires_signature:
        raise SignatureError("this webhook requires signed requests but has no secret yet")
    key = request.headers.get("idempotency-key")
    if key:
        return f"webhook:{target.graph.id}:{key}"
    return None


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
        opt={
            "public": True,
            "errors": [401, 405],
            "statuses": {"default": "The graph's reply (Webhook.respond), or its run id"},
        },
    )
    async def receive(self, path: str, request: Request[Any, Any, Any]) -> Response[Any]:
        # The busiest route reads the services from the app's state itself: resolving them as
        # a dependency cost about 4 % of a webhook request's CPU.
        services: EngineServices = request.app.state.services
        path = path.strip("/")
        target = await find_target(services, path)
        if not target.hook.enabled:
            return _error(404, f"the webhook at /hooks/{path} is disabled")
        if request.method not in target.hook.methods:
            allow = {"Allow": ", ".join(target.hook.methods)}
            return _error(405, f"method {request.method} not allowed", headers=allow)
        if len(request.headers.get("idempotency-key", "")) > MAX_IDEMPOTENCY_KEY:
            return _error(400, f"Idempotency-Key is longer than {MAX_IDEMPOTENCY_KEY} characters")
        settings = services.settings
        try:
            raw = await read_body(request, settings.webhook_max_body_bytes)
        except PayloadTooLargeError:
            return _error(413, f"body is larger than {settings.webhook_max_body_bytes} bytes")
        if target.hook.reply_mode == INBOUND:
            return await receive_inbound(services, target, request, raw)
        try:
            key = _run_key(target, request, raw, settings.webhook_tolerance_seconds)
        except SignatureError as exc:
            return _error(401, f"webhook signature refused: {exc}")
        trigger = build_trigger(request, path, raw)
        if target.hook.reply_mode == "async":
            started = await start_run(
                services,
                RunRequest(
                    graph=target.graph,
                    version=target.version,
                    trigger=trigger,
                    trigger_kind="webhook",
                    idempotency_key=key,
                ),
            )
            if started.existing:
                return await _replayed(services, started.run)
            return Response(
                {"run_id": str(started.run.id), "status": RunStatus.queued}, status_code=202
            )
        return await _run_sync(services, target, trigger, key)


async def _run_sync(
    services: EngineServices, target: HookTarget, trigger: dict[str, Any], key: str | None
) -> Response[Any]:
    run_id = uuid.uuid4()
    task = asyncio.ensure_future(
        start_run(
            services,
            RunRequest(
                graph=target.graph,
                version=target.version,
                trigger=trigger,
                mode=RunMode.sync,
                trigger_kind="webhook",
                idempotency_key=key,
                run_id=run_id,
            ),
        )
    )
    done, _ = await asyncio.wait({task}, timeout=target.timeout_s)
    if not done:
        # Too slow to answer inline: it finishes in the background; hand out its id, which
        # must then lead somewhere whatever the graph's save_runs policy says.
        await _record_running(services, target, trigger, run_id)
        keeper = asyncio.ensure_future(_keep_handed_out(services, task, run_id))
        _background.add(keeper)
        keeper.add_done_callback(_background.discard)
        return Response({"run_id": str(run_id), "status": RunStatus.running}, status_code=202)
    started: Started = task.result()
    if started.existing:
        return await _replayed(services, started.run)
    assert started.result is not None
    return webhook_reply(started.run, started.result.node_runs)


async def _record_running(
    services: EngineServices, target: HookTarget, trigger: dict[str, Any], run_id: uuid.UUID
) -> None:
    """A visible ``running`` row for a run still in memory, leased by this process until the
    final write replaces it (or the reaper fails it if this process dies first)."""
    now = datetime.now(UTC)
    row = {
        "id": run_id, "owner_id": target.graph.owner_id, "graph_id": target.graph.id,
        "graph_version_id": target.version.id, "status": RunStatus.running, "mode": "sync",
        "trigger_kind": "webhook", "trigger": trigger, "created_at": now, "started_at": now,
        "lease_owner": services.instance_id,
        "lease_expires_at": now + timedelta(seconds=services.settings.lease_seconds),
    }  # fmt: skip
    async with services.session_factory() as session, session.begin():
        await webhook_queries.insert_placeholder(session, row)
    services.sync_leases.hold(run_id)


async def _keep_handed_out(
    services: EngineServices, task: asyncio.Future[Started], run_id: uuid.UUID
) -> None:
    """Store the run once it ends if its save policy did not (its id was handed out)."""
    try:
        started = await task
        if started.result is not None and not started.result.saved:
            await save_run_result(services, started.result)
    except Exception:
        _log.exception("webhook run %s ended outside the engine", run_id)
    finally:
        services.sync_leases.release(run_id)


async def _replayed(services: EngineServices, run: Run | RunRow) -> Response[Any]:
    """The first run's answer for a repeated request: its reply if finished, else its id."""
    headers = {"Idempotent-Replayed": "true"}
    if run.status in TERMINAL_RUN and run.mode == "sync":
        async with services.session_factory() as session:
            fresh = await session.get(Run, run.id) or run
            node_runs = await run_queries.list_node_runs(session, run.id)
        response = webhook_reply(fresh, node_runs)
        response.headers.update(headers)
        return response
    return Response({"run_id": str(run.id), "status": run.status}, status_code=202, headers=headers)
