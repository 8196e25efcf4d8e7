"""One set of run statuses: the web app's types mirror the engine's enums."""

from __future__ import annotations

import re
from pathlib import Path

from kyra.status import NodeRunStatus, RunStatus

TYPES = Path(__file__).resolve().parents[2] / "frontend" / "src" / "api" / "types.ts"


def _union(name: str) -> set[str]:
    declaration = re.search(rf"export type {name} = ([^;]+);", TYPES.read_text())
    assert declaration is not None, f"{name} is not declared in {TYPES.name}"
    return set(re.findall(r'"([a-z_]+)"', declaration.group(1)))


def test_the_web_app_knows_exactly_the_run_statuses() -> None:
    assert _union("RunStatus") == {s.value for s in RunStatus}


def test_the_web_app_knows_exactly_the_node_run_statuses() -> None:
    assert _union("RunStatus") | _union("NodeRunStatus") == {s.value for s in NodeRunStatus}
