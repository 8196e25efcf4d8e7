"""The API and the worker load only what most requests need.

Libraries that a few nodes or providers use cost megabytes in every long-lived process when
imported at start-up (openpyxl alone about 15 MB, the model SDKs more), so those nodes and
providers import them when first used. Checked in a fresh interpreter, where nothing else has
loaded them yet.
"""

from __future__ import annotations

import subprocess
import sys

#: Imported on first use only, never by building the app, the registry or the worker's actors.
ON_FIRST_USE = ("openpyxl", "wasmtime", "openai", "anthropic", "torch", "sentence_transformers")

_LOAD = """
import sys
from kyra.api.app import create_app
from kyra.registry import default_registry
import kyra.worker.actors
create_app()
default_registry()
print(" ".join(sorted(name for name in {names!r} if name in sys.modules)))
"""


def test_start_up_leaves_heavy_libraries_unloaded() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _LOAD.format(names=ON_FIRST_USE)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == [], f"loaded at start-up: {done.stdout.strip()}"
