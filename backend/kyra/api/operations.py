"""Probes and metrics for operators: ``GET /health/ready`` and ``GET /metrics``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.exceptions import PermissionDeniedException

from kyra.api.auth import ApiKeyMiddleware
from kyra.api.readiness import active_leases, readiness
from kyra.api.schemas.operations import ReadinessRead
from kyra.engine.services import EngineServices
from kyra.observability import metrics

#: Prometheus' text exposition format.
METRICS_MEDIA_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class OperationsController(Controller):
    tags = ["system"]

    @get(
        "/health/ready",
        opt={"public": True, "statuses": {503: "Not ready: the checks say which part is down"}},
    )
    async def ready(self, services: EngineServices) -> Response[ReadinessRead]:
        """Database (and migrations), broker, workers and leases; 503 when one is down."""
        ready, body = await readiness(services)
        return Response(ReadinessRead.of(body), status_code=200 if ready else 503)

    @get("/metrics", opt={"public": True, "errors": [401, 403]}, media_type=METRICS_MEDIA_TYPE)
    async def metrics(
        self, request: Request[Any, Any, Any], services: EngineServices
    ) -> Response[bytes]:
        """Prometheus metrics of every local process; an admin key unless configured public."""
        if not services.settings.metrics_public:
            await _require_admin(request)
        gauges = await _gauges(services)
        return Response(metrics.render(gauges), media_type=METRICS_MEDIA_TYPE)


async def _require_admin(request: Request[Any, Any, Any]) -> None:
    if not (await ApiKeyMiddleware.caller(request)).is_admin:
        raise PermissionDeniedException("metrics need an admin key")


async def _gauges(services: EngineServices) -> dict[str, tuple[str, float | None]]:
    gauges: dict[str, tuple[str, float | None]] = {}
    if services.dispatcher is not None:
        try:
            stats = await services.dispatcher.stats()
        except Exception:
            stats = None
        if stats is not None:
            gauges["kyra_queue_waiting_messages"] = (
                "Messages waiting in the queue.",
                stats.waiting,
            )
            gauges["kyra_queue_delayed_messages"] = (
                "Messages waiting for a later time.",
                stats.delayed,
            )
            gauges["kyra_queue_dead_messages"] = ("Dead-lettered messages.", stats.dead)
            gauges["kyra_queue_oldest_message_age_seconds"] = (
                "Age of the oldest waiting message.", stats.oldest_age_s or 0.0,
            )  # fmt: skip
    try:
        leases = await active_leases(services)
    except Exception:
        leases = None
    if leases is not None:
        gauges["kyra_node_run_leases_active"] = (
            "Node runs leased by a worker.",
            leases["node_runs"],
        )
        gauges["kyra_sync_run_leases_active"] = (
            "Sync runs leased by an API process.",
            leases["sync_runs"],
        )
    return gauges
