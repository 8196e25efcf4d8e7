"""Issue 9's fault suite at CI size, through ``kyra up``'s real processes (tests/system/faults.py).

Each scenario runs once (the first test asking for it) and the tests check what it did; the report
table is printed at the end of the session (``bench/faults.py`` runs the long versions). Tests
naming an issue 9 defect failed before its engine fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.system import faults
from tests.system.faults import EffectServer, FaultReport
from tests.system.stack import KyraStack

#: Runs a fault scenario by name (once per module) and returns its report.
Scenario = Callable[[str], FaultReport]
#: Seconds a run may take to finish after a fault (leases are 4 s in the system tests).
DEADLINE = 60.0
#: Scenario sizes for CI (bench/faults.py has the long ones).
CI_SIZE: dict[str, dict[str, float]] = {
    "worker-kill": {"times": 3, "deadline": DEADLINE},
    "api-kill": {"runs": 3, "deadline": 30},
    "valkey-kill": {"runs": 5, "deadline": DEADLINE},
    "valkey-freeze": {"seconds": 8, "runs": 5, "deadline": DEADLINE},
    "postgres-restart": {"warmup_runs": 10, "deadline": DEADLINE},
    "worker-crash-loop": {"crashes": 5, "deadline": DEADLINE},
}


@pytest.fixture(scope="module")
def effects() -> Iterator[EffectServer]:
    server = EffectServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def scenario(
    kyra_stack: KyraStack, effects: EffectServer, fault_reports: list[FaultReport]
) -> Scenario:
    """Runs a scenario the first time a test asks for it; its report afterwards."""
    done: dict[str, FaultReport] = {}

    def report(name: str) -> FaultReport:
        if name not in done:
            done[name] = faults.SCENARIOS[name](kyra_stack, effects, **CI_SIZE[name])
            fault_reports.append(done[name])
        return done[name]

    return report


def test_worker_killed_mid_node_every_run_finishes(scenario: Scenario) -> None:
    worker_kill = scenario("worker-kill")
    assert worker_kill.non_terminal == []
    assert worker_kill.count("succeeded") == len(worker_kill.runs) == 3


def test_worker_killed_mid_node_no_completed_node_runs_again(scenario: Scenario) -> None:
    worker_kill = scenario("worker-kill")
    assert worker_kill.completed_reruns == 0
    assert worker_kill.duplicates >= 3  # the node killed mid-request runs again (at least once)


def test_worker_killed_mid_node_repeated_requests_keep_their_key(scenario: Scenario) -> None:
    """Issue 9 defect 8: HTTP.request sends the node's Idempotency-Key, the same on a retry."""
    worker_kill = scenario("worker-kill")
    assert worker_kill.duplicates_same_key == worker_kill.duplicates


def test_api_killed_under_sync_runs_a_retry_with_its_key_finds_the_run(scenario: Scenario) -> None:
    api_kill = scenario("api-kill")
    assert len(api_kill.runs) == 3
    assert api_kill.outage["sync retry 200"] == 3, api_kill.outage


def test_api_killed_under_sync_runs_every_run_finishes(scenario: Scenario) -> None:
    """Issue 9 defect 1: a stored sync run is leased by its API process, and fails when the
    lease expires, rather than staying `running` forever."""
    api_kill = scenario("api-kill")
    assert api_kill.non_terminal == []


def test_valkey_killed_no_run_is_lost(scenario: Scenario) -> None:
    valkey_kill = scenario("valkey-kill")
    assert valkey_kill.non_terminal == []
    assert valkey_kill.count("succeeded") == len(valkey_kill.runs) >= 5
    assert valkey_kill.completed_reruns == 0


def test_valkey_killed_a_committed_run_is_answered_as_accepted(scenario: Scenario) -> None:
    """Issue 9 defect 6: a queue start whose run was committed answers 202 (delivered later),
    never 500, while Redis is down."""
    valkey_kill = scenario("valkey-kill")
    assert [label for label in valkey_kill.outage if label.endswith(" 500")] == []


def test_valkey_frozen_no_run_is_lost(scenario: Scenario) -> None:
    valkey_freeze = scenario("valkey-freeze")
    assert valkey_freeze.non_terminal == []
    assert valkey_freeze.count("succeeded") == len(valkey_freeze.runs) >= 5


def test_valkey_frozen_the_api_still_answers_database_reads(scenario: Scenario) -> None:
    """Issue 9 defect 6: sends to Redis never block the API's event loop."""
    valkey_freeze = scenario("valkey-freeze")
    reads = {label for label in valkey_freeze.outage if label.startswith("read ")}
    assert reads == {"read 200"}, valkey_freeze.outage


def test_postgres_restarted_under_load_every_run_finishes(scenario: Scenario) -> None:
    postgres_restart = scenario("postgres-restart")
    assert postgres_restart.non_terminal == []
    assert postgres_restart.completed_reruns == 0


def test_postgres_restarted_requests_answer_503_not_500(
    scenario: Scenario, kyra_stack: KyraStack
) -> None:
    """Issue 9 defect 6: outages answer 503 (with Retry-After), and no message ends in
    Dramatiq's dead-letter set, which nothing reads."""
    postgres_restart = scenario("postgres-restart")
    assert [label for label in postgres_restart.outage if label.endswith(" 500")] == []
    # On failure, what the worker said about the messages it gave up (with their tracebacks).
    given_up = [line for line in kyra_stack.output.splitlines()
                if "Failed to process message" in line or "Retries exceeded" in line]  # fmt: skip
    assert postgres_restart.dead_letters == 0, given_up


def test_worker_crash_loop_the_api_keeps_accepting_work(scenario: Scenario) -> None:
    crash_loop = scenario("worker-crash-loop")
    answered = {label.split(" ")[1] for label in crash_loop.outage}
    assert answered <= {"200", "202"}, crash_loop.outage
    assert crash_loop.outage, "no request was sent during the crash loop"


def test_worker_crash_loop_every_run_finishes_once_the_worker_is_back(scenario: Scenario) -> None:
    crash_loop = scenario("worker-crash-loop")
    assert crash_loop.non_terminal == []
    assert crash_loop.count("succeeded") == len(crash_loop.runs)
