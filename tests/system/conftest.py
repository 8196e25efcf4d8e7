"""System tests: the product as ``kyra up`` runs it (see :mod:`tests.system.stack`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.system.faults import FaultReport, format_reports
from tests.system.stack import KyraStack, system_env


@pytest.fixture(scope="session")
def kyra_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KyraStack]:
    """One ``kyra up`` shared by the session's system tests (starting one costs seconds).

    Tests that kill a component must leave it recovered (the supervisor restarts it) or use
    their own :class:`KyraStack`.
    """
    stack = KyraStack(tmp_path_factory.mktemp("kyra-up") / "data", env=system_env())
    with stack.start():
        yield stack


_FAULT_REPORTS: list[FaultReport] = []


@pytest.fixture(scope="session")
def fault_reports() -> list[FaultReport]:
    """Reports of the fault scenarios run this session; printed at its end."""
    return _FAULT_REPORTS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _FAULT_REPORTS:
        terminalreporter.write_line("")
        terminalreporter.write_line(format_reports(_FAULT_REPORTS, "Fault suite (CI size)"))
