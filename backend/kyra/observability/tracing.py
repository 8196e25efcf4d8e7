"""OpenTelemetry traces: run → node run → model call / tool call / HTTP call / sub-agent.

The SDK is set up only when an exporter is configured (``OTEL_EXPORTER_OTLP_ENDPOINT``, or a
test's in-memory exporter); otherwise the API's no-op tracer makes every span here nearly free.
Spans carry ids, types, statuses, tokens and costs; prompts and outputs only with
``KYRA_OTEL_CAPTURE_CONTENT``, masked like logs; credential values never.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from kyra import __version__
from kyra.hooks import EngineHook, NodeAttempt
from kyra.masking import mask, remembered_secrets
from kyra.observability.context import derived_span_id, inside, parse_traceparent, run_trace_id
from kyra.settings import Settings

_log = logging.getLogger("kyra.observability")
#: Instrumentation scope of every Kyra span.
SCOPE = "kyra"
#: Longest captured prompt or output (characters) when content capture is on.
MAX_CONTENT_CHARS = 8_000

#: Ids the next span must get (a run's span, emitted once the run ends, in any process).
_forced_ids: contextvars.ContextVar[tuple[int, int] | None] = contextvars.ContextVar(
    "kyra_forced_span_ids", default=None
)
#: The span of the node attempt running in this task, if any (sub-graphs and agent tools nest
#: under it instead of under their own run's span).
_attempt_span: contextvars.ContextVar[Span | None] = contextvars.ContextVar(
    "kyra_attempt_span", default=None
)
_capture_content = False
_provider: TracerProvider | None = None


class RunIdGenerator(RandomIdGenerator):
    """Random ids, except for a span whose ids were fixed in advance (a run's span)."""

    def generate_span_id(self) -> int:
        forced = _forced_ids.get()
        return forced[1] if forced else super().generate_span_id()

    def generate_trace_id(self) -> int:
        forced = _forced_ids.get()
        return forced[0] if forced else super().generate_trace_id()


def setup_tracing(settings: Settings, *, processor: SpanProcessor | None = None) -> bool:
    """Install the SDK once per process when an exporter is configured; True if tracing is on.

    Args:
        settings: the OTLP endpoint, service name and content-capture switch.
        processor: a span processor to add (tests pass an in-memory exporter's).
    """
    global _provider, _capture_content
    _capture_content = settings.otel_capture_content
    if _provider is None:
        if not settings.otel_exporter_otlp_endpoint and processor is None:
            return False
        resource = Resource.create(
            {"service.name": settings.otel_service_name, "service.version": __version__}
        )
        _provider = TracerProvider(resource=resource, id_generator=RunIdGenerator())
        if settings.otel_exporter_otlp_endpoint:
            _provider.add_span_processor(BatchSpanProcessor(_otlp_exporter(settings)))
        trace.set_tracer_provider(_provider)
    if processor is not None:
        _provider.add_span_processor(processor)
    return True


def _otlp_exporter(settings: Settings) -> SpanExporter:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    # The exporter reads OTEL_EXPORTER_OTLP_* itself (headers, timeouts); the endpoint is the
    # collector's base URL, as in the OpenTelemetry specification.
    return OTLPSpanExporter(
        endpoint=settings.otel_exporter_otlp_endpoint.rstrip("/") + "/v1/traces"
    )


def shutdown_tracing() -> None:
    """Flush and stop the exporter (process exit)."""
    if _provider is not None:
        _provider.shutdown()


def tracing_on() -> bool:
    """Whether this process exports spans (``setup_tracing`` found somewhere to send them)."""
    return _provider is not None


def tracer() -> trace.Tracer:
    return trace.get_tracer(SCOPE, __version__)


def _nanos(value: str | datetime | None) -> int | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return int(moment.timestamp() * 1e9)


def content(value: Any) -> str | None:
    """``value`` as a span attribute when content capture is on (masked, truncated)."""
    if not _capture_content:
        return None
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return str(mask(text, remembered_secrets()))[:MAX_CONTENT_CHARS]


class TracingHook(EngineHook):
    """A live span around every node attempt, and a span per run once the run ends.

    A run's span id is derived from its id, so the node spans that workers emitted during the
    run (after any number of queue hops) hang under the run span the last one emits.
    """

    def node_attempt(self, attempt: NodeAttempt) -> contextlib.AbstractContextManager[None] | None:
        if _provider is None:  # tracing is off: no span to make, not even a non-recording one
            return None
        return _node_span(attempt)

    async def run_finished(self, run: dict[str, Any]) -> None:
        if _provider is None:
            return
        run_id = UUID(run["id"])
        remote = parse_traceparent(run.get("traceparent"))
        parent = trace.set_span_in_context(trace.NonRecordingSpan(remote)) if remote else Context()
        token = _forced_ids.set(
            (run_trace_id(run_id, run.get("traceparent")), derived_span_id(run_id))
        )
        try:
            span = tracer().start_span(
                "run",
                context=parent,
                kind=SpanKind.INTERNAL,
                start_time=_nanos(run.get("started_at") or run.get("created_at")),
                attributes=_run_attributes(run),
            )
        finally:
            _forced_ids.reset(token)
        if run["status"] == "failed":
            error = run.get("error") or {}
            span.set_status(Status(StatusCode.ERROR, str(error.get("type", "failed"))))
        span.end(end_time=_nanos(run.get("finished_at")))


@contextlib.contextmanager
def _node_span(attempt: NodeAttempt) -> Iterator[None]:
    """The live span of one node attempt (under the attempt it runs inside, else the run)."""
    nested = _attempt_span.get()
    if nested is not None and nested.is_recording():
        parent = trace.set_span_in_context(nested)
    else:
        parent = inside(_run_span_context(attempt.run_id, attempt.traceparent))
    attributes: dict[str, Any] = {
        "kyra.run.id": str(attempt.run_id),
        "kyra.graph.id": str(attempt.graph_id),
        "kyra.graph.version": attempt.version,
        "kyra.run.mode": attempt.mode,
        "kyra.node.id": attempt.node_id,
        "kyra.node.type": attempt.node_type,
        "kyra.node.attempt": attempt.attempt,
    }
    if attempt.node_run_id is not None:
        attributes["kyra.node_run.id"] = str(attempt.node_run_id)
    span = tracer().start_span(f"node {attempt.node_type}", context=parent, attributes=attributes)
    token = _attempt_span.set(span)
    try:
        with trace.use_span(span, end_on_exit=False):
            yield
    finally:
        _attempt_span.reset(token)
        _end_node_span(span, attempt.outcome)


def _run_span_context(run_id: UUID, traceparent: str | None) -> trace.SpanContext:
    from kyra.observability.context import run_span_context

    return run_span_context(run_id, traceparent)


def _run_attributes(run: dict[str, Any]) -> dict[str, Any]:
    attributes = {
        "kyra.run.id": run["id"],
        "kyra.graph.id": run["graph_id"],
        "kyra.run.status": run["status"],
        "kyra.run.mode": run["mode"],
        "kyra.run.trigger_kind": run["trigger_kind"],
        "kyra.run.cost_usd": float(run.get("cost_usd") or 0),
        "gen_ai.usage.input_tokens": run.get("input_tokens") or 0,
        "gen_ai.usage.output_tokens": run.get("output_tokens") or 0,
    }
    if run.get("graph_version") is not None:
        attributes["kyra.graph.version"] = run["graph_version"]
    if run.get("parent_run_id"):
        attributes["kyra.run.parent_id"] = run["parent_run_id"]
    return attributes


def _end_node_span(span: Span, outcome: Any) -> None:
    if outcome is not None:
        span.set_attributes(
            {
                "kyra.node.status": outcome.status,
                "kyra.node.cost_usd": float(outcome.cost_usd),
                "gen_ai.usage.input_tokens": outcome.input_tokens,
                "gen_ai.usage.output_tokens": outcome.output_tokens,
            }
        )
        if outcome.status == "failed":
            error_type = str((outcome.error or {}).get("type", "failed"))
            span.set_attribute("error.type", error_type)
            span.set_status(Status(StatusCode.ERROR, error_type))
    span.end()


@contextlib.contextmanager
def model_call_span(*, provider: str, model: str, request: Any) -> Iterator[Span]:
    """A GenAI ``chat`` client span around one model call (OpenTelemetry GenAI conventions)."""
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": provider,
        "gen_ai.system": provider,
        "gen_ai.request.model": model,
    }
    if request.temperature is not None:
        attributes["gen_ai.request.temperature"] = request.temperature
    if request.max_tokens is not None:
        attributes["gen_ai.request.max_tokens"] = request.max_tokens
    captured = content([m.model_dump(mode="json", exclude_none=True) for m in request.messages])
    if captured is not None:
        attributes["gen_ai.input.messages"] = captured
    with tracer().start_as_current_span(
        f"chat {model}", kind=SpanKind.CLIENT, attributes=attributes, record_exception=False
    ) as span:
        try:
            yield span
        except BaseException as exc:
            span.set_attribute("error.type", type(exc).__name__)
            span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            raise


def record_model_response(span: Span, response: Any) -> None:
    """Usage, cost and finish reason of a model call on its span."""
    span.set_attributes(
        {
            "gen_ai.response.model": response.model,
            "gen_ai.usage.input_tokens": response.usage.prompt_tokens,
            "gen_ai.usage.output_tokens": response.usage.completion_tokens,
            "kyra.llm.cost_usd": float(response.cost_usd or 0),
        }
    )
    if response.id:
        span.set_attribute("gen_ai.response.id", response.id)
    if response.finish_reason:
        span.set_attribute("gen_ai.response.finish_reasons", [response.finish_reason])
    captured = content(response.message.model_dump(mode="json", exclude_none=True))
    if captured is not None:
        span.set_attribute("gen_ai.output.messages", captured)


@contextlib.asynccontextmanager
async def tool_call_span(*, name: str, call_id: str, agent: bool) -> AsyncIterator[Span]:
    """A GenAI ``execute_tool`` span (or ``invoke_agent`` for a sub-agent) around one call."""
    operation = "invoke_agent" if agent else "execute_tool"
    attributes = {"gen_ai.operation.name": operation, "gen_ai.tool.call.id": call_id}
    attributes["gen_ai.agent.name" if agent else "gen_ai.tool.name"] = name
    with tracer().start_as_current_span(
        f"{operation} {name}", attributes=attributes, record_exception=False
    ) as span:
        token = _attempt_span.set(span)
        try:
            yield span
        except BaseException as exc:
            span.set_attribute("error.type", type(exc).__name__)
            span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            raise
        finally:
            _attempt_span.reset(token)


def current_trace_ids() -> tuple[str, str] | None:
    """Hex trace and span ids of the current span, for log lines."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return f"{context.trace_id:032x}", f"{context.span_id:016x}"
