"""``kyra up`` keeps the product up: whatever process dies is restarted, the rest keep serving."""

from __future__ import annotations

import signal

import httpx
import pytest

from kyra.infra.supervision import Supervision, read_supervision
from tests.conftest import ROOT
from tests.system.stack import Component, KyraStack, Mode, wait_until

HELLO = ROOT / "graphs" / "hello.json"


def _processes_seen_by_the_api(stack: KyraStack) -> dict[str, str]:
    """``processes`` from ``GET /health`` (empty while the API does not answer 200)."""
    try:
        health = httpx.get(f"{stack.url}/health", timeout=5)
    except httpx.HTTPError:
        return {}
    return dict(health.json().get("processes", {})) if health.status_code == 200 else {}


def _supervision(stack: KyraStack) -> Supervision:
    supervision = read_supervision(stack.data_dir)
    assert supervision is not None, "kyra up wrote no supervision.json"
    return supervision


def _all_running(stack: KyraStack) -> bool:
    processes = _processes_seen_by_the_api(stack)
    return bool(processes) and set(processes.values()) == {"running"}


def test_a_worker_crash_loop_leaves_the_api_up_and_the_worker_comes_back(
    kyra_stack: KyraStack,
) -> None:
    graph = kyra_stack.create_graph(HELLO)
    restarts_before = _supervision(kyra_stack).processes["worker"].restarts

    # When the worker is killed five times in a row, each time as soon as it is back
    for crash in range(5):
        old = kyra_stack.pid("worker")
        kyra_stack.kill("worker")
        if crash < 4:
            kyra_stack.wait_for_new("worker", old)

    # I expect the API to keep answering and to say that the worker is restarting
    wait_until(
        lambda: _processes_seen_by_the_api(kyra_stack).get("worker") == "restarting",
        30,
        "GET /health saying the worker is restarting",
    )
    assert kyra_stack.pids("api") and kyra_stack.pids("postgres") and kyra_stack.pids("redis")
    assert kyra_stack.run(graph, "sync")["status"] == "succeeded"
    # and work accepted meanwhile to be done once the worker is back
    queued = kyra_stack.start_run(graph, "queue")
    assert queued.status_code == 202, queued.text
    assert kyra_stack.wait_for_run(queued.json()["id"], 120)["status"] == "succeeded"
    wait_until(lambda: _all_running(kyra_stack), 60, "every process running again")
    worker = _supervision(kyra_stack).processes["worker"]
    assert worker.restarts - restarts_before >= 5
    assert "worker exited with code" in kyra_stack.output


@pytest.mark.parametrize("component", ["redis", "postgres", "api", "scheduler"])
def test_a_killed_process_is_restarted_and_runs_go_on(
    kyra_stack: KyraStack, component: Component
) -> None:
    graph = kyra_stack.create_graph(HELLO)
    old = kyra_stack.pid(component)

    kyra_stack.kill(component)

    kyra_stack.wait_for_new(component, old)
    wait_until(lambda: _all_running(kyra_stack), 120, f"every process running after {component}")
    modes: tuple[Mode, ...] = ("sync", "queue")
    for mode in modes:
        run = kyra_stack.run(graph, mode, {"body": {"name": component}}, timeout=120)
        assert run["status"] == "succeeded", run
        assert run["output"]["reply"]["body"] == {"text": f"Hi {component}"}


def test_a_worker_process_killed_at_boot_is_replaced_without_waiting_on_dramatiq(
    kyra_stack: KyraStack,
) -> None:
    # Given a worker command just restarted, whose worker process is still booting
    old = kyra_stack.pid("worker")
    kyra_stack.kill("worker")
    restarted = kyra_stack.wait_for_new("worker", old)
    booting = wait_until(lambda: kyra_stack.pids("worker_processes"), 30, "a worker process")

    # When that worker process is killed
    kyra_stack.send("worker_processes", signal.SIGKILL)

    # I expect the command to end and be restarted well within Dramatiq's 30 s boot timeout
    kyra_stack.wait_for_new("worker", restarted, timeout=20)
    assert booting[0] not in kyra_stack.pids("worker_processes")
    graph = kyra_stack.create_graph(HELLO)
    assert kyra_stack.run(graph, "queue", timeout=120)["status"] == "succeeded"
