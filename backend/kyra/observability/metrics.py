"""Prometheus metrics, correct with several API and worker processes.

Counters and histograms use prometheus-client's multiprocess mode: each process writes its own
files under ``KYRA_DATA_DIR/metrics`` (or ``PROMETHEUS_MULTIPROC_DIR``) and ``GET /metrics``
adds them up. Gauges of shared state (queue depth, leases) are read at scrape time from Redis
and PostgreSQL, so any API process answers the same.

:func:`setup_metrics` (called by :mod:`kyra.wiring` in every process) chooses that storage
before the first metric is declared.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from kyra.hooks import EngineHook, NodeAttempt
from kyra.settings import Settings

#: Environment variable prometheus-client reads for its multiprocess directory.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
#: Node durations span milliseconds (a Core.set) to minutes (an agent, a long HTTP call).
NODE_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900)
#: Webhook answers: sync graphs answer in milliseconds, slow ones at their reply timeout.
WEBHOOK_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


def metrics_dir(settings: Settings) -> Path:
    configured = os.environ.get(MULTIPROC_ENV)
    return Path(configured) if configured else settings.data_dir / "metrics"


def setup_metrics(settings: Settings) -> Path:
    """Point prometheus-client at the directory every local process shares; returns it."""
    directory = metrics_dir(settings)
    directory.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_ENV] = str(directory)
    from prometheus_client import values

    # Files are named per host and process, so containers sharing the directory (a volume)
    # never write to the same file although their process ids repeat.
    values.ValueClass = values.MultiProcessValue(process_identifier)  # type: ignore[no-untyped-call]
    return directory


@lru_cache(maxsize=1)
def process_identifier() -> str:
    """Distinct for every process writing to the directory, on any host sharing it.

    prometheus-client asks for it on every value written (to notice a fork), so it is made once
    per process and forgotten in a forked child.
    """
    return f"{socket.gethostname().replace('_', '-')}-{os.getpid()}"


os.register_at_fork(after_in_child=process_identifier.cache_clear)


class _Metrics:
    def __init__(self) -> None:
        from prometheus_client import Counter, Histogram

        self.runs = Counter(
            "kyra_runs_total", "Runs that reached a final status.", ["graph_id", "mode", "status"]
        )
        self.nodes = Histogram(
            "kyra_node_duration_seconds", "Duration of node attempts.",
            ["node_type", "status"], buckets=NODE_BUCKETS,
        )  # fmt: skip
        self.webhooks = Histogram(
            "kyra_webhook_request_duration_seconds",
            "Time to answer inbound webhook and channel requests.",
            ["route", "status_code"], buckets=WEBHOOK_BUCKETS,
        )  # fmt: skip
        self.llm_calls = Counter(
            "kyra_llm_calls_total", "Model calls that completed.", ["model", "provider"]
        )
        self.llm_tokens = Counter(
            "kyra_llm_tokens_total", "Tokens of model calls.", ["model", "provider", "direction"]
        )
        self.llm_cost = Counter(
            "kyra_llm_cost_usd_total", "Cost of model calls in USD.", ["model", "provider"]
        )


@lru_cache
def _metrics() -> _Metrics:
    return _Metrics()


def record_llm_usage(
    *, model: str, provider: str, input_tokens: int, output_tokens: int, cost_usd: Decimal
) -> None:
    metrics = _metrics()
    metrics.llm_calls.labels(model, provider).inc()
    metrics.llm_tokens.labels(model, provider, "input").inc(input_tokens)
    metrics.llm_tokens.labels(model, provider, "output").inc(output_tokens)
    metrics.llm_cost.labels(model, provider).inc(float(cost_usd))


def observe_webhook(route: str, status_code: int, seconds: float) -> None:
    _metrics().webhooks.labels(route, str(status_code)).observe(seconds)


class MetricsHook(EngineHook):
    """Counts finished runs and times node attempts, in whichever process does the work."""

    async def run_finished(self, run: dict[str, Any]) -> None:
        _metrics().runs.labels(run["graph_id"], run["mode"], run["status"]).inc()

    def node_attempted(self, attempt: NodeAttempt) -> None:
        """Observes the attempt's duration (the one its node run records) in the histogram."""
        outcome = attempt.outcome
        if outcome is None:
            _node_histogram(attempt.node_type, "cancelled").observe(
                time.perf_counter() - attempt.started
            )
        else:
            _node_histogram(attempt.node_type, outcome.status).observe(outcome.duration_ms / 1000)


@lru_cache(maxsize=4096)
def _node_histogram(node_type: str, status: str) -> Any:
    """The histogram child of one node type and status (``labels`` locks and hashes on every
    call; node attempts are the hottest path)."""
    return _metrics().nodes.labels(node_type, status)


def render(gauges: Mapping[str, tuple[str, float | None]]) -> bytes:
    """The exposition text: every process's counters and histograms plus ``gauges``
    (name → help, value; None values are left out)."""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.core import GaugeMetricFamily

    class _Snapshot:
        def collect(self) -> Iterable[GaugeMetricFamily]:
            for name, (help_text, value) in gauges.items():
                if value is not None:
                    yield GaugeMetricFamily(name, help_text, value=value)

    registry = CollectorRegistry()
    _metrics()  # declared, so an idle process still reports its families
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:  # one process (tests, scripts): its own in-memory values
        from prometheus_client import REGISTRY

        registry.register(REGISTRY)
    registry.register(_Snapshot())
    return generate_latest(registry)
