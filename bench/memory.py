"""Agent memory: insert throughput, search latency at 10k and 100k memories, and what memory
adds to one agent turn.

Embedded PostgreSQL (fsync on) and Redis; one agent holding every memory; 384-dimension
vectors under the HNSW index the local model's vectors get. Stored vectors are random unit
vectors (the store does not care where they come from) with 12-word texts for the full-text
index; the local model's own speed is measured separately, and the per-turn numbers use it.

    .venv/bin/python bench/memory.py [--sizes 10000 100000] [--queries 300]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._stack import print_table  # noqa: E402

DIMS = 384
BATCH = 500
_WORDS = [f"w{i}" for i in range(5000)] + ["tea", "coffee", "invoice", "boiler", "lisbon"]


def _vectors(count: int, rng: random.Random) -> list[list[float]]:
    """Random unit vectors (numpy comes with the local-embeddings extra)."""
    import numpy as np

    raw = np.random.default_rng(rng.randrange(2**32)).standard_normal((count, DIMS))
    unit: list[list[float]] = (raw / np.linalg.norm(raw, axis=1, keepdims=True)).tolist()
    return unit


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(12))


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _setup(database_url: str, redis_url: str) -> tuple[Any, Any, Any, uuid.UUID]:
    from kyra.db.engine import create_engine, create_session_factory
    from kyra.db.migrate import upgrade
    from kyra.db.models import AiAgent, User
    from kyra.engine.services import EngineServices
    from kyra.registry import default_registry
    from kyra.settings import Settings

    await asyncio.to_thread(upgrade, database_url)
    settings = Settings(DATABASE_URL=database_url, REDIS_URL=redis_url)
    factory = create_session_factory(create_engine(database_url))
    services = EngineServices(settings=settings, registry=default_registry(),
                              session_factory=factory)  # fmt: skip
    async with factory.begin() as session:
        user = User(name="bench")
        session.add(user)
        await session.flush()
        agent = AiAgent(owner_id=user.id, name="bench", memory_schema={})
        session.add(agent)
    return services, factory, user.id, agent.agent_id


async def _insert(store: Any, agent_id: uuid.UUID, count: int, rng: random.Random) -> float:
    """Insert ``count`` memories in batches; returns memories per second."""
    from kyra.memory.backends.base import NewMemory

    started = time.perf_counter()
    for offset in range(0, count, BATCH):
        batch = [
            NewMemory(kind="note", content=_text(rng), embedding=vector,
                      embedding_model="local/all-MiniLM-L6-v2")
            for vector in _vectors(min(BATCH, count - offset), rng)
        ]  # fmt: skip
        await store.insert(agent_id, batch)
    return count / (time.perf_counter() - started)


async def _bulk_load(
    store: Any, factory: Any, agent_id: uuid.UUID, count: int, rng: random.Random
) -> tuple[float, float]:
    """Insert without the 384 index, then rebuild it; returns inserts/s and build seconds."""
    from sqlalchemy import text

    index = "ix_agent_memories_hnsw_384"
    async with factory.begin() as session:
        await session.execute(text(f"DROP INDEX {index}"))
    rate = await _insert(store, agent_id, count, rng)
    started = time.perf_counter()
    async with factory.begin() as session:
        await session.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
        await session.execute(
            text(
                f"CREATE INDEX {index} ON agent_memories USING hnsw "
                "((embedding::vector(384)) vector_cosine_ops) WHERE embedding_dims = 384"
            )
        )
    return rate, time.perf_counter() - started


async def _settle(factory: Any) -> None:
    """VACUUM ANALYZE, as autovacuum does soon after a bulk insert, and the memories and their
    indexes read into shared buffers, as a searched corpus stays: otherwise the searches pay for
    the first reads of freshly written pages (hint bits and their WAL, checksums) and the CPU
    column counts autovacuum's pass over the table and its HNSW index too."""
    from sqlalchemy import text

    async with factory.kw["bind"].connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("VACUUM ANALYZE agent_memories"))
        await autocommit.execute(text("CREATE EXTENSION IF NOT EXISTS pg_prewarm"))
        await autocommit.execute(
            text(
                "SELECT pg_prewarm(indexrelid) FROM pg_index "
                "WHERE indrelid = 'agent_memories'::regclass"
            )
        )
        await autocommit.execute(text("SELECT pg_prewarm('agent_memories')"))


def _server_cpu_s(data: Path) -> float:
    """CPU seconds used so far by the PostgreSQL server's processes (postmaster and children)."""
    postmaster = int((data / "postmaster.pid").read_text().split()[0])
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        if pid == postmaster or int(fields[1]) == postmaster:
            ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU this process and the database spend, whatever else runs on the machine: on a busy
    host wall-clock latency mostly measures waiting for a core."""

    def __init__(self, data: Path) -> None:
        self.data = data

    def __enter__(self) -> CpuMeter:
        self._started = (time.process_time(), _server_cpu_s(self.data))
        return self

    def __exit__(self, *_: object) -> None:
        client, server = time.process_time(), _server_cpu_s(self.data)
        self.cpu_s = (client - self._started[0]) + (server - self._started[1])


async def _timed(calls: int, call: Any) -> list[float]:
    samples = []
    for index in range(calls):
        started = time.perf_counter()
        await call(index)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def _search_rows(
    services: Any, manager: Any, agent_id: uuid.UUID, size: int, queries: int,
    rng: random.Random, data: Path,
) -> list[list[object]]:  # fmt: skip
    store, model = services.memory.store("postgres"), "local/all-MiniLM-L6-v2"
    vectors = _vectors(queries, rng)
    texts = [" ".join(rng.choice(_WORDS) for _ in range(5)) for _ in range(queries)]
    for text, vector in zip(texts, vectors, strict=True):  # fused: the query vector is cached
        services.memory.cache.put(model, text, vector)
    kinds = ["note"]

    async def vector_only(i: int) -> None:
        await store.search_vector(agent_id, vectors[i], model, kinds=kinds, limit=5)

    async def keyword_only(i: int) -> None:
        await store.search_keyword(agent_id, texts[i], kinds=kinds, limit=5)

    async def fused(i: int) -> None:
        await manager.search(texts[i], kinds=kinds, limit=5)

    rows = []
    for name, call in (("vector", vector_only), ("keyword", keyword_only), ("fused", fused)):
        await _timed(20, call)  # warm the index pages
        with CpuMeter(data) as meter:
            samples = await _timed(queries, call)
        rows.append([f"{size:,}", name, f"{statistics.median(samples):.2f}",
                     f"{_percentile(samples, 0.99):.2f}",
                     f"{meter.cpu_s * 1000 / queries:.2f}"])  # fmt: skip
    return rows


async def _turn_rows(services: Any, owner_id: uuid.UUID, factory: Any,
                     rng: random.Random, data: Path) -> list[list[object]]:  # fmt: skip
    """What memory adds to one agent turn, with the local model embedding the goal and episode."""
    from kyra.db.models import AiAgent
    from kyra.memory.backends.base import NewMemory
    from kyra.memory.embeddings.local import shared_model
    from kyra.memory.schema import parse_memory_schema
    from kyra.services.llm import RunLLM

    async with factory.begin() as session:
        agent = AiAgent(owner_id=owner_id, name="turns", memory_schema={})
        session.add(agent)
    schema = parse_memory_schema({"long_backend": "postgres"}, default_short="redis")
    llm = RunLLM(session_factory=factory, owner_id=owner_id, agent_id=agent.agent_id,
                 settings=services.settings)  # fmt: skip
    manager = services.memory.manager(agent.agent_id, schema, llm=llm)
    model = shared_model()
    load_started = time.perf_counter()
    await asyncio.to_thread(model.encode, ["warm up"])
    load_s = time.perf_counter() - load_started
    with CpuMeter(data) as single:
        one = await _timed(50, lambda i: asyncio.to_thread(model.encode, [f"a goal number {i}"]))
    texts = [_text(rng) for _ in range(640)]
    started = time.perf_counter()
    await asyncio.to_thread(model.encode, texts)
    batch_per_s = len(texts) / (time.perf_counter() - started)
    await manager.store([NewMemory(kind="episodic", content=_text(rng)) for _ in range(200)])

    async def turn(i: int) -> None:
        goal = f"turn {i}: {_text(rng)}"
        await manager.recall(goal, "bench-session")
        await manager.append_window(
            "bench-session", [(f"t{i}:goal", {"role": "user", "content": goal})]
        )
        await manager.append_window(
            "bench-session", [(f"t{i}:answer", {"role": "assistant", "content": "ok"})]
        )
        await manager.store([NewMemory(kind="episodic", content=f"Goal: {goal}\nAnswer: ok",
                                       key=f"episode:{i}")])  # fmt: skip

    with CpuMeter(data) as meter:
        samples = await _timed(60, turn)
    return [
        ["local model: first load in a process", f"{load_s * 1000:,.0f}", ""],
        ["local model: embed one text", f"{statistics.median(one):.1f}",
         f"{_percentile(one, 0.99):.1f}"],
        ["  CPU per text", f"{single.cpu_s * 1000 / 50:.1f}", ""],
        ["local model: texts/s in batches of 64", f"{batch_per_s:,.0f}", ""],
        ["memory per agent turn (recall + window + episode)", f"{statistics.median(samples):.1f}",
         f"{_percentile(samples, 0.99):.1f}"],
        ["  CPU per turn (this process + database)", f"{meter.cpu_s * 1000 / 60:.1f}", ""],
    ]  # fmt: skip


async def main(sizes: list[int], queries: int) -> None:
    from kyra.infra.embedded import EmbeddedPostgres, EmbeddedRedis
    from kyra.memory.schema import parse_memory_schema

    data = Path(tempfile.mkdtemp(prefix="kyra-bench-memory-"))
    postgres = EmbeddedPostgres(data / "postgres", durable=True)
    redis = EmbeddedRedis(data / "redis", durable=True)
    try:
        services, factory, owner_id, agent_id = await _setup(postgres.start(), redis.start())
        store = services.memory.store("postgres")
        schema = parse_memory_schema({"long_backend": "postgres"}, default_short="redis")
        manager = services.memory.manager(agent_id, schema, llm=None)
        rng = random.Random(7)
        insert_rows, search_rows, stored = [], [], 0
        for index, size in enumerate(sorted(sizes)):
            if index == 0:  # inserts as agents make them: the HNSW index kept up to date
                rate = await _insert(store, agent_id, size - stored, rng)
                insert_rows.append([f"{stored:,} → {size:,}", "HNSW maintained", f"{rate:,.0f}"])
            else:  # growing the corpus: bulk load, then build the index once
                rate, build_s = await _bulk_load(store, factory, agent_id, size - stored, rng)
                insert_rows.append([f"{stored:,} → {size:,}", "index dropped", f"{rate:,.0f}"])
                insert_rows.append([f"{size:,}", "HNSW build (s)", f"{build_s:,.1f}"])
            stored = size
            await _settle(factory)
            search_rows += await _search_rows(services, manager, agent_id, size, queries, rng,
                                              data / "postgres")  # fmt: skip
        turn_rows = await _turn_rows(services, owner_id, factory, rng, data / "postgres")
        print_table("Inserts (384 dims, batches of 500)", ["memories", "index", "inserts/s"],
                    insert_rows)  # fmt: skip
        print_table(f"Search, top 5 ({queries} queries each; fused = vector + keyword, RRF)",
                    ["memories", "strategy", "p50 ms", "p99 ms", "CPU ms per query"],
                    search_rows)  # fmt: skip
        print_table("Local model and one agent turn", ["measurement", "p50 ms (or value)",
                                                       "p99 ms"], turn_rows)  # fmt: skip
        await services.close()
    finally:
        redis.stop()
        postgres.stop()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=300)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.sizes, arguments.queries))
