"""Engine CPU per node: what the engine itself costs, in one process, on a busy machine too.

Wall-clock figures (``bench/engine.py``) move with everything else on the machine; the CPU
time this process spends per run does not (PostgreSQL's and Redis's own CPU is left out: they
run in their own processes). Starts an embedded PostgreSQL and Redis, then drives the engine's
two entrances directly, as the API and the worker do, and prints a Markdown table:

* sync: ``start_run`` of a manual trigger and n - 1 set nodes, every run and node run stored;
* queue: the run's first advance as the worker handles it (it executes the first node and
  keeps each next ready node instead of a queue hop), every node committed as it ends.

The extra cost of a node is the slope between the 3-node and the 50-node chains.

Usage: ``python bench/engine_cpu.py [--runs 200] [--modes sync queue] [--profile sync|queue]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import itertools
import os
import pstats
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stack import print_table
from sqlalchemy import event

#: A templated value in every set node (templates are part of the measured work).
WHO = "{{ trigger.name }}"


def chain(length: int) -> dict[str, Any]:
    """Manual trigger → (length - 1) templated sets."""
    nodes: list[dict[str, Any]] = [{"id": "start", "type": "Manual.trigger"}]
    nodes += [
        {"id": f"n{i}", "type": "Core.set", "params": {"values": {"i": i, "who": WHO}}}
        for i in range(length - 1)
    ]
    edges = [{"source": a["id"], "target": b["id"]} for a, b in itertools.pairwise(nodes)]
    return {"schema": "kyra.graph/1", "name": f"cpu-{length}-{uuid.uuid4().hex[:6]}",
            "nodes": nodes, "edges": edges}  # fmt: skip


class Engine:
    """Engine services on the embedded servers, with one owner and helpers to start runs."""

    async def start(self) -> Engine:
        from kyra.db.queries.users import create_user
        from kyra.settings import get_settings
        from kyra.wiring import build_services

        self.services = build_services(get_settings())
        self.statements = 0
        bind = self.services.session_factory.kw["bind"].sync_engine

        def count(*_: Any) -> None:
            self.statements += 1

        def log_queries(connection: Any, _: Any) -> None:
            connection.driver_connection.add_query_logger(count)

        driver = self.services.driver
        borrow = driver.connection

        @contextlib.asynccontextmanager
        async def logged() -> AsyncIterator[Any]:
            async with borrow() as connection:
                connection.add_query_logger(count)  # a set: added once per connection
                yield connection

        # Round trips to PostgreSQL: every statement SQLAlchemy sends (as prepared statements,
        # which asyncpg does not log), and what asyncpg logs: each transaction's BEGIN and
        # COMMIT, and the statements the engine sends on the hot path's own connections.
        event.listen(bind, "before_cursor_execute", count)
        event.listen(bind.pool, "connect", log_queries)
        driver.connection = logged  # type: ignore[method-assign]
        async with self.services.session_factory() as session:
            self.owner = await create_user(session, name=f"bench-{uuid.uuid4().hex[:6]}")
            await session.commit()
        return self

    async def graph(self, length: int) -> tuple[Any, Any]:
        from kyra.db.queries import graphs as queries

        async with self.services.session_factory() as session:
            graph = await queries.create_graph(
                session, owner_id=self.owner.id, document=chain(length)
            )
            await session.commit()
            return graph, await queries.latest_version(session, graph.id)

    async def sync_runs(self, length: int, runs: int) -> tuple[float, float]:
        """CPU seconds and database round trips per run of ``runs`` sync runs (after a warm-up)."""
        from kyra.engine.start import RunRequest, start_run
        from kyra.status import RunMode

        graph, version = await self.graph(length)
        request = RunRequest(graph, version, {"name": "ada"}, mode=RunMode.sync)
        await start_run(self.services, request)
        began, statements = time.process_time(), self.statements
        for _ in range(runs):
            started = await start_run(self.services, request)
            assert started.run.status == "succeeded", started.run.error
        return (time.process_time() - began) / runs, (self.statements - statements) / runs

    async def queue_runs(self, length: int, runs: int) -> tuple[float, float]:
        """CPU seconds and database round trips per run of ``runs`` queue runs executed here as
        the worker would."""
        from kyra.engine.queue import advance_run
        from kyra.engine.start import RunRequest, start_run
        from kyra.status import RunMode

        graph, version = await self.graph(length)
        request = RunRequest(graph, version, {"name": "ada"}, mode=RunMode.queue)

        async def one() -> None:
            started = await start_run(self.services, request)
            await advance_run(self.services, started.run.id, worker_id="bench")

        await one()
        began, statements = time.process_time(), self.statements
        for _ in range(runs):
            await one()
        measured = (time.process_time() - began) / runs, (self.statements - statements) / runs
        await self.check_succeeded(graph.id)
        return measured

    async def check_succeeded(self, graph_id: Any) -> None:
        """Fail unless every run of the graph succeeded (a run left behind measures nothing)."""
        from sqlalchemy import func, select
        from sqlmodel import col

        from kyra.db.models import Run

        status = col(Run.status)
        async with self.services.session_factory() as session:
            by_status = select(status, func.count()).where(col(Run.graph_id) == graph_id)
            counts = {s: n for s, n in await session.execute(by_status.group_by(status))}
        assert counts.keys() == {"succeeded"}, counts


def _servers(folder: Path) -> list[Any]:
    from kyra.infra.embedded import EmbeddedPostgres, EmbeddedRedis

    postgres = EmbeddedPostgres(folder / "postgres", durable=True)
    redis = EmbeddedRedis(folder / "redis", durable=True)
    os.environ["DATABASE_URL"] = postgres.start()
    os.environ["REDIS_URL"] = redis.start()
    os.environ["KYRA_DATA_DIR"] = str(folder / "data")
    os.environ["KYRA_LOG_LEVEL"] = "WARNING"
    from kyra.db.migrate import upgrade

    upgrade(os.environ["DATABASE_URL"])
    return [postgres, redis]


async def measure(runs: int, profile: str | None, modes: list[str]) -> None:
    engine = await Engine().start()
    try:
        if profile:
            length = 50
            measure_one = engine.sync_runs if profile == "sync" else engine.queue_runs
            profiler = cProfile.Profile()
            profiler.enable()
            await measure_one(length, max(runs // 10, 5))
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
            return
        rows = []
        for mode, measure_one, count in (
            ("sync", engine.sync_runs, runs),
            ("queue", engine.queue_runs, max(runs // 5, 10)),
        ):
            if mode not in modes:
                continue
            short, short_trips = await measure_one(3, count)
            long, long_trips = await measure_one(50, max(count // 10, 5))
            per_node = (long - short) / 47
            rows.append([mode, f"{short * 1000:.2f}", f"{long * 1000:.2f}",
                         f"{per_node * 1000:.3f}", f"{long / 49 * 1000:.3f}",
                         f"{(long_trips - short_trips) / 47:.2f}"])  # fmt: skip
        print_table(
            "Engine CPU in one process (ms; PostgreSQL and Redis excluded)",
            ["mode", "3-node run", "50-node run", "each extra node", "per node, 50-node run",
             "database round trips per extra node"],
            rows,
        )  # fmt: skip
    finally:
        await engine.services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--profile", choices=["sync", "queue"], help="cProfile one mode instead")
    parser.add_argument("--modes", nargs="+", choices=["sync", "queue"], default=["sync", "queue"])
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kyra-bench-cpu-"))
    servers = _servers(folder)
    try:
        asyncio.run(measure(args.runs, args.profile, args.modes))
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
