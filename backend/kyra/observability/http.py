"""Client spans and W3C trace context for outgoing HTTP (every node's ``ctx.http``).

Spans name the method, host, port and status only: URLs may carry secrets (Telegram puts the
bot token in the path), so the path and query are never recorded.
"""

from __future__ import annotations

import httpx
from opentelemetry import propagate
from opentelemetry.trace import SpanKind, Status, StatusCode

from kyra.observability.tracing import tracer


class TracingTransport(httpx.AsyncBaseTransport):
    """Wraps a transport: one client span per request, its context sent as ``traceparent``."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        attributes: dict[str, str | int] = {
            "http.request.method": request.method,
            "server.address": url.host,
            "server.port": url.port or (443 if url.scheme == "https" else 80),
            "url.scheme": url.scheme,
        }
        with tracer().start_as_current_span(
            f"HTTP {request.method}", kind=SpanKind.CLIENT, attributes=attributes,
            record_exception=False,
        ) as span:  # fmt: skip
            carrier: dict[str, str] = {}
            propagate.inject(carrier)
            request.headers.update(carrier)
            try:
                response = await self.inner.handle_async_request(request)
            except Exception as exc:
                span.set_attribute("error.type", type(exc).__name__)
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                raise
            span.set_attribute("http.response.status_code", response.status_code)
            if response.status_code >= 500:
                span.set_status(Status(StatusCode.ERROR, str(response.status_code)))
            return response

    async def aclose(self) -> None:
        await self.inner.aclose()
