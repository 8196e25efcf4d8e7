"""Requests a service sends to a trigger's URL (``/hooks/<service>/<graph id>/<node id>``): the
trigger's spec checks them (signatures, verification handshakes) and answers; every event they
carry starts one queued run, once."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.enums import MediaType
from pydantic import ValidationError

from kyra.context import InboundRequest
from kyra.engine.services import EngineServices
from kyra.engine.triggers import EngineTriggerContext, start_event_runs, trigger_node
from kyra.errors import KyraError

_log = logging.getLogger("kyra.api.inbound")


async def receive_inbound(
    services: EngineServices, target: Any, request: Request[Any, Any, Any], raw: bytes
) -> Response[Any]:
    """Hand the request to the trigger node's receiver and start the runs of its events."""
    node = trigger_node(target.version, target.hook.node_id)
    spec = services.registry.get(str((node or {}).get("type", "")))
    if node is None or spec is None or spec.receive is None:
        return _error(404, "this trigger is not installed")
    ctx = EngineTriggerContext(services, graph=target.graph, node=node, spec=spec)
    inbound = InboundRequest(
        method=request.method,
        headers={k.lower(): v for k, v in request.headers.items()},
        query=dict(request.query_params),
        body=raw,
    )
    try:
        params = spec.params.model_validate(node.get("params") or {})
        received = await spec.receive(ctx, params, inbound)
        await start_event_runs(
            services, graph=target.graph, version=target.version, node_id=target.hook.node_id,
            events=received.events, trigger_kind="event",
        )  # fmt: skip
    except (KyraError, ValidationError) as exc:
        # The service cannot fix this: say so without details (they may name secrets).
        _log.warning("trigger %s refused a request: %s", target.hook.node_id, exc)
        return _error(500, "the trigger is not set up correctly; see the server log")
    if isinstance(received.body, str):
        return Response(
            received.body, status_code=received.status, headers=dict(received.headers),
            media_type=MediaType.TEXT,
        )  # fmt: skip
    return Response(received.body, status_code=received.status, headers=dict(received.headers))


def _error(status: int, detail: str) -> Response[Any]:
    return Response({"status_code": status, "detail": detail}, status_code=status)
