r"""Schemathesis over the app's own OpenAPI document, against the real server (uvicorn on uvloop,
a real worker): no 5xx, every status documented, every response as its schema says, bad input
refused, good input accepted, 405 with ``Allow``. Checks and exceptions: ``schemathesis.toml``.

Bounded for CI: ``KYRA_FUZZ_EXAMPLES`` per operation and phase (15) within ``KYRA_FUZZ_SECONDS``
(240). A longer, deeper run (``-s`` prints the table)::

    KYRA_FUZZ_EXAMPLES=500 KYRA_FUZZ_SECONDS=3600 \
    KYRA_FUZZ_PHASES=examples,coverage,fuzzing,stateful \
    .venv/bin/pytest tests/adversarial/test_fuzz.py -s
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

CONFIG = Path(__file__).with_name("schemathesis.toml")
EXAMPLES = int(os.environ.get("KYRA_FUZZ_EXAMPLES", "15"))
#: Schemathesis phases; CI leaves out ``coverage`` (boundary values of every field, hundreds of
#: megabytes for the long text fields) and ``stateful`` (chains of calls): add them for depth.
PHASES = os.environ.get("KYRA_FUZZ_PHASES", "examples,fuzzing")
#: Wall-clock budget of the run in seconds (it stops early once every operation is done).
BUDGET = int(os.environ.get("KYRA_FUZZ_SECONDS", "240"))


@pytest.mark.timeout(BUDGET + 300)
def test_the_api_answers_as_its_document_says(
    live_server: Any, fuzz_key: str, tmp_path: Path
) -> None:
    report = tmp_path / "events.ndjson"
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run",
        f"{live_server.url}/schema/openapi.json", "--url", live_server.url,
        "--header", f"X-API-Key: {fuzz_key}", "--max-examples", str(EXAMPLES),
        "--generation-deterministic", "--workers", "2", "--no-color", "--max-time", str(BUDGET),
        "--phases", PHASES,
        "--report", "ndjson", "--report-ndjson-path", str(report),
    ]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, cwd=tmp_path, timeout=BUDGET + 240
    )
    summary = done.stdout[-6000:]
    print(summary)  # the table of operations and checks, shown with -s
    assert done.returncode == 0, summary + done.stderr[-3000:]
    print(f"requests fuzzed: {_requests_sent(report)}")


def _requests_sent(report: Path) -> int:
    """Requests the run made, counted from its event log."""
    sent = 0
    for line in report.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        for name, body in event.items():
            if name == "ScenarioFinished":
                sent += len((body.get("recorder") or {}).get("interactions") or {})
    return sent
