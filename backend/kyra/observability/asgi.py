"""A server span per HTTP request (continuing the caller's ``traceparent``) and the latency of
inbound webhook and channel requests."""

from __future__ import annotations

import contextlib
from time import perf_counter

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from opentelemetry import propagate
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from kyra.observability.metrics import observe_webhook
from kyra.observability.tracing import tracer, tracing_on

#: Routes whose answer time is the webhook latency metric.
INBOUND_PREFIXES = ("/hooks", "/channels")


def observe_requests(app: ASGIApp) -> ASGIApp:
    """Litestar middleware factory (runs after routing, so the route template is known)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        template = str(scope.get("path_template") or scope["path"])
        status = 500

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        started = perf_counter()
        opened = _server_span(scope, template)
        try:
            with opened if opened is not None else contextlib.nullcontext() as span:
                try:
                    await app(scope, receive, send_observed)
                finally:
                    if span is not None:
                        span.set_attribute("http.response.status_code", status)
                        if status >= 500:
                            span.set_status(Status(StatusCode.ERROR, str(status)))
        finally:
            if template.startswith(INBOUND_PREFIXES):
                observe_webhook(template, status, perf_counter() - started)

    return middleware


def _server_span(scope: Scope, template: str) -> contextlib.AbstractContextManager[Span] | None:
    """The request's server span, current while it is open; None when tracing is off and the
    caller sent no ``traceparent`` (a caller's trace is still carried into the runs the request
    starts, for workers that trace)."""
    headers = scope["headers"]
    if not tracing_on() and not any(name == b"traceparent" for name, _ in headers):
        return None
    method = str(scope.get("method", "GET"))
    carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in headers}
    return tracer().start_as_current_span(
        f"{method} {template}",
        context=propagate.extract(carrier),
        kind=SpanKind.SERVER,
        attributes={"http.request.method": method, "http.route": template},
        record_exception=False,
    )
