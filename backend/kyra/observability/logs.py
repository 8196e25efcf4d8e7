"""Structured logs: every process's standard-library records rendered by structlog, as JSON
(production) or readable lines (a terminal), with the run, node and trace ids of the work in
progress on every line.

Existing ``logging.getLogger`` calls keep working; the ids come from the node attempt in
progress (:class:`LogContextHook`) and from the current span. Secret values
are masked before rendering by :mod:`kyra.masking`, which sees every record first.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from typing import Any

import structlog
from structlog.typing import EventDict, WrappedLogger

from kyra.hooks import EngineHook, NodeAttempt
from kyra.observability.context import run_trace_id
from kyra.observability.tracing import current_trace_ids
from kyra.settings import Settings

#: Marks the handler this module installed (so configuring twice replaces it).
_HANDLER_NAME = "kyra"


def add_trace_ids(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """Add the current span's trace and span ids (a bound ``trace_id`` is kept otherwise)."""
    ids = current_trace_ids()
    if ids is not None:
        event_dict["trace_id"], event_dict["span_id"] = ids
    return event_dict


def add_masked_traceback(
    logger: WrappedLogger, method_name: str, event_dict: EventDict
) -> EventDict:
    """Keep the traceback :mod:`kyra.masking` already rendered and masked (it moves a record's
    ``exc_info`` to ``exc_text`` once a secret is known, and structlog reads only the former)."""
    record = event_dict.get("_record")
    if record is not None and not record.exc_info and record.exc_text:
        event_dict.setdefault("exception", record.exc_text)
    return event_dict


def wants_json(settings: Settings) -> bool:
    if settings.log_format in ("json", "console"):
        return settings.log_format == "json"
    return not sys.stderr.isatty()


def configure_logging(settings: Settings) -> None:
    """Render every log record of this process as :func:`wants_json` says (idempotent)."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        add_attempt_ids,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        add_trace_ids,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if wants_json(settings)
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, add_masked_traceback],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler()
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for existing in list(root.handlers):
        # Ours from an earlier call, or a plain console handler (basicConfig, Dramatiq's CLI);
        # never a test harness's capturing handler.
        if existing.get_name() == _HANDLER_NAME or type(existing) is logging.StreamHandler:
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


#: The node attempt running in this task, whose ids every log line written meanwhile carries.
_attempt: ContextVar[NodeAttempt | None] = ContextVar("kyra_log_attempt", default=None)


def add_attempt_ids(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """Add the run, node and trace ids of the node attempt in progress, if any (computed when a
    line is written, not for every attempt: most attempts log nothing)."""
    attempt = _attempt.get()
    if attempt is not None:
        event_dict.setdefault("run_id", str(attempt.run_id))
        event_dict.setdefault("node_id", attempt.node_id)
        event_dict.setdefault("node_type", attempt.node_type)
        event_dict.setdefault(
            "trace_id", f"{run_trace_id(attempt.run_id, attempt.traceparent):032x}"
        )
    return event_dict


class LogContextHook(EngineHook):
    """Gives every log line written during a node attempt the run, node and trace ids."""

    def node_attempt(self, attempt: NodeAttempt) -> _AttemptLogged:
        return _AttemptLogged(attempt)


class _AttemptLogged:
    __slots__ = ("attempt", "token")

    def __init__(self, attempt: NodeAttempt) -> None:
        self.attempt = attempt

    def __enter__(self) -> None:
        self.token = _attempt.set(self.attempt)

    def __exit__(self, *_: object) -> None:
        _attempt.reset(self.token)
