"""The static checks of ``make lint`` as tests, because CI runs only ``make test``.

Each tool runs from the test environment's own ``bin/`` over the whole repository, with its
configuration from ``pyproject.toml``: lint and format (ruff, docstrings included), types (mypy
--strict on ``kyra`` and ``kyra_nodes``) and the import contracts (import-linter). A failure
prints the tool's own report.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

CHECKS = {
    "ruff": ["ruff", "check", "--no-cache", "."],
    "ruff-format": ["ruff", "format", "--check", "--no-cache", "."],
    # Incremental through .mypy_cache: about a minute of CPU on a clean clone, seconds after.
    "mypy": ["mypy"],
    "import-contracts": ["lint-imports"],
}


@pytest.mark.timeout(900)
@pytest.mark.parametrize("command", CHECKS.values(), ids=CHECKS.keys())
def test_the_repository_passes(command: list[str]) -> None:
    tool, *args = command
    done = subprocess.run(
        [str(BIN / tool), *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}"
