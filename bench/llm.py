"""Overhead of the LLM layer per call (client + ledger write) and throughput at 20 concurrent calls.

Runs against the fake OpenAI server (in a child process, so it does not share our GIL) and a real
PostgreSQL: ``DATABASE_URL`` when set, else an embedded one in a temporary folder.

    .venv/bin/python bench/llm.py [--calls 400] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._stack import start_fake_provider  # noqa: E402
from kyra.context.llm import ChatMessage, ChatRequest  # noqa: E402
from kyra.db.engine import create_engine, create_session_factory  # noqa: E402
from kyra.db.migrate import upgrade  # noqa: E402
from kyra.db.models import Graph, GraphVersion, Run, User  # noqa: E402
from kyra.db.queries.llm import create_model, create_provider, seed_catalogue  # noqa: E402
from kyra.infra.embedded import EmbeddedPostgres  # noqa: E402
from kyra.llm.clients.base import ClientConfig  # noqa: E402
from kyra.llm.factory import LLMClientFactory  # noqa: E402
from kyra.services.llm import ClientPool, RunLLM  # noqa: E402
from kyra.settings import get_settings  # noqa: E402

Call = Callable[[], Awaitable[object]]
REQUEST = ChatRequest(
    model="gpt-4o-mini", messages=[ChatMessage(role="user", content="ping")], max_tokens=20
)


def serve_fake(port: int) -> None:
    """Child-process entry: the fake OpenAI server in the foreground."""
    import uvicorn

    from tests.fakes.openai import FakeOpenAI

    fake = FakeOpenAI()
    uvicorn.run(fake._app, host="127.0.0.1", port=port, log_level="error", interface="asgi3")


async def prepare(url: str, base_url: str) -> tuple[object, uuid.UUID, uuid.UUID]:
    sessions = create_session_factory(create_engine(url, pool_size=25, max_overflow=5))
    async with sessions.begin() as session:
        await seed_catalogue(session)
        user = User(name=f"bench-{uuid.uuid4().hex[:6]}")
        session.add(user)
        await session.flush()
        provider = await create_provider(
            session,
            owner_id=user.id,
            name="fake",
            provider_key="openai",
            base_url=base_url,
            api_key="sk-bench",
        )
        fields = {"model_key": "gpt-4o-mini", "input_cost_per_1k": Decimal("0.00015"),
                  "output_cost_per_1k": Decimal("0.0006"), "is_recommended": True}  # fmt: skip
        await create_model(session, provider=provider, fields=fields)
        graph = Graph(owner_id=user.id, name="bench")
        session.add(graph)
        await session.flush()
        version = GraphVersion(graph_id=graph.id, version=1, document={})
        session.add(version)
        await session.flush()
        run = Run(owner_id=user.id, graph_id=graph.id, graph_version_id=version.id,
                  budget_usd=Decimal(1000))  # fmt: skip
        session.add(run)
    return sessions, user.id, run.id


async def latencies(call: Call, n: int) -> list[float]:
    await call()  # warm connections and caches
    out = []
    for _ in range(n):
        start = time.perf_counter()
        await call()
        out.append((time.perf_counter() - start) * 1000)
    return out


async def throughput(call: Call, n: int, concurrency: int) -> float:
    queue = iter(range(n))

    async def worker() -> None:
        for _ in queue:
            await call()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return n / (time.perf_counter() - start)


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


async def bench(url: str, base_url: str, calls: int, concurrency: int) -> None:
    sessions, owner, run_id = await prepare(url, base_url)
    pool = ClientPool()
    raw = LLMClientFactory.create(
        ClientConfig(api_key="sk", base_url=base_url), provider_kind="openai"
    )
    ledger = RunLLM(session_factory=sessions, owner_id=owner, clients=pool)  # type: ignore[arg-type]
    budgeted = RunLLM(session_factory=sessions, owner_id=owner, run_id=run_id, clients=pool)  # type: ignore[arg-type]
    scenarios: list[tuple[str, Call]] = [
        ("SDK client only (baseline)", lambda: raw.chat(REQUEST)),
        ("RunLLM: resolve + client + usage row", lambda: ledger.chat(REQUEST)),
        ("RunLLM: + budget reserve/settle on run", lambda: budgeted.chat(REQUEST)),
    ]
    rows = []
    for name, call in scenarios:
        lat = await latencies(call, calls)
        rate = await throughput(call, calls, concurrency)
        rows.append((name, p(lat, 50), p(lat, 99), rate))
    base50, base99 = rows[0][1], rows[0][2]
    print(
        f"\n{calls} sequential calls for latency; {calls} calls over {concurrency} concurrent tasks"
    )
    print(
        f"{'scenario':42} {'p50 ms':>8} {'p99 ms':>8} {'+p50 ms':>8} {'+p99 ms':>8} {'calls/s':>8}"
    )
    for name, p50, p99, rate in rows:
        print(
            f"{name:42} {p50:8.2f} {p99:8.2f} {p50 - base50:8.2f} {p99 - base99:8.2f} {rate:8.0f}"
        )
    await raw.aclose()
    await pool.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    fake, base_url = start_fake_provider("llm")
    url, server = get_settings().database_url, None
    try:
        if not url:
            server = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="kyra-bench-")), durable=False)
            url = server.start()
        upgrade(url)
        asyncio.run(bench(url, base_url, args.calls, args.concurrency))
    finally:
        fake.terminate()
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
