"""Structured logs: JSON lines with the run, node and trace ids of the node attempt in progress,
and secret values masked."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator

import pytest

from kyra.hooks import NodeAttempt
from kyra.masking import install_log_masking, remember
from kyra.observability.logs import LogContextHook, configure_logging
from kyra.settings import Settings

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """This process's logs as JSON into a buffer; the previous logging set-up restored after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    configure_logging(Settings(log_format="json", log_level="INFO"))
    ours = next(h for h in root.handlers if h.get_name() == "kyra")
    assert isinstance(ours, logging.StreamHandler)
    buffer = io.StringIO()
    ours.setStream(buffer)
    yield buffer
    root.removeHandler(ours)
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)


async def test_lines_logged_during_a_node_attempt_carry_its_ids(json_lines: io.StringIO) -> None:
    install_log_masking()
    remember(["s3cret-token-value"])
    run_id = uuid.uuid4()
    attempt = NodeAttempt(
        run_id=run_id, graph_id=uuid.uuid4(), version=1, mode="queue", node_id="fetch",
        node_type="HTTP.request", attempt=1, traceparent=f"00-{TRACE_ID}-00f067aa0ba902b7-01",
    )  # fmt: skip

    with LogContextHook().node_attempt(attempt):
        logging.getLogger("kyra_nodes.http").warning(
            "calling %s", "https://x/?t=s3cret-token-value"
        )
    logging.getLogger("kyra.engine").warning("between runs")

    inside, outside = (json.loads(line) for line in json_lines.getvalue().splitlines()[-2:])
    assert inside["event"] == "calling https://x/?t=***"
    assert (inside["run_id"], inside["node_id"], inside["node_type"]) == (
        str(run_id), "fetch", "HTTP.request",
    )  # fmt: skip
    assert inside["trace_id"] == TRACE_ID
    assert (inside["level"], inside["logger"]) == ("warning", "kyra_nodes.http")
    assert "timestamp" in inside
    assert "run_id" not in outside and outside["event"] == "between runs"


def test_a_traceback_is_kept_with_secrets_masked(json_lines: io.StringIO) -> None:
    install_log_masking()
    remember(["s3cret-in-a-traceback"])
    try:
        raise ValueError("refused s3cret-in-a-traceback")
    except ValueError:
        logging.getLogger("kyra.engine").exception("node raised")

    line = json.loads(json_lines.getvalue().splitlines()[-1])
    assert line["event"] == "node raised"
    assert "Traceback (most recent call last)" in line["exception"]
    assert "ValueError: refused ***" in line["exception"]
    assert "s3cret-in-a-traceback" not in json_lines.getvalue()
