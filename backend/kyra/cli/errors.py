"""The one error the CLI reports as a message instead of a traceback."""

from __future__ import annotations

from kyra.errors import KyraError


class CliError(KyraError):
    """A problem the user can fix (missing setting, unknown graph, bad file)."""
