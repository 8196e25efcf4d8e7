"""Trace identity of runs, on the OpenTelemetry API alone (no SDK), so the engine can use it.

A run belongs to the trace of whatever started it: its ``traceparent`` is stored on the run
row, and every process that works on the run (the API inline, any worker after a queue hop)
rebuilds the same span context from it. The run's own span id is derived from the run id, so
node spans emitted by one worker and the run span emitted by another still form one tree.
"""

from __future__ import annotations

import hashlib
import uuid

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

_VERSION = "00"


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the current span, or None outside any sampled trace."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return format_traceparent(
        context.trace_id, context.span_id, sampled=context.trace_flags.sampled
    )


def format_traceparent(trace_id: int, span_id: int, *, sampled: bool = True) -> str:
    return f"{_VERSION}-{trace_id:032x}-{span_id:016x}-{'01' if sampled else '00'}"


def parse_traceparent(value: str | None) -> SpanContext | None:
    """The remote span context in a ``traceparent`` header, None when absent or malformed."""
    if not value:
        return None
    parts = value.strip().split("-")
    if len(parts) != 4 or parts[0] != _VERSION or len(parts[1]) != 32 or len(parts[2]) != 16:
        return None
    try:
        trace_id, span_id, flags = int(parts[1], 16), int(parts[2], 16), int(parts[3], 16)
    except ValueError:
        return None
    if not trace_id or not span_id:
        return None
    return SpanContext(trace_id, span_id, is_remote=True, trace_flags=TraceFlags(flags & 1))


def derived_span_id(row_id: uuid.UUID) -> int:
    """A stable, non-zero 64-bit span id for a row (a run or a node run)."""
    return int.from_bytes(hashlib.sha256(row_id.bytes).digest()[:8], "big") or 1


def run_trace_id(run_id: uuid.UUID, traceparent: str | None) -> int:
    """The trace a run belongs to: its starter's, else one named after the run id."""
    parent = parse_traceparent(traceparent)
    return parent.trace_id if parent is not None else run_id.int


def run_span_context(run_id: uuid.UUID, traceparent: str | None) -> SpanContext:
    """The span context of a run's span, the same in every process."""
    return SpanContext(
        run_trace_id(run_id, traceparent),
        derived_span_id(run_id),
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
    )


def inside(span_context: SpanContext) -> Context:
    """A context whose current span is ``span_context`` (to start child spans under it)."""
    return trace.set_span_in_context(NonRecordingSpan(span_context))
