"""Long-term memory on PostgreSQL + pgvector: fused and decayed ranking, semantic triples,
vectors of several sizes, embedding cache and usage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text

from kyra.db.models import LlmUsageLog
from kyra.memory.backends.base import NewMemory
from tests.fakes.openai import FakeOpenAI
from tests.integration.memory.conftest import FAKE_EMBEDDING, ManagerFactory

CORPUS = [
    "The user's sister lives in Lisbon and works as an architect.",
    "Invoice 4411 was paid late in March; the customer apologised.",
    "The user prefers green tea over coffee in the morning.",
    "Quarterly report draft is due on Friday.",
    "The office wifi password changes every month.",
]


async def _notes(manager: Any, texts: list[str]) -> list[int]:
    stored = await manager.store([NewMemory(kind="note", content=t) for t in texts])
    return [record.id for record in stored]


async def test_fused_search_puts_the_best_match_first_and_names_its_strategies(
    managers: ManagerFactory,
) -> None:
    _, manager = await managers("librarian")
    ids = await _notes(manager, CORPUS)

    fused = await manager.search("what does the user drink: tea or coffee?", limit=3)
    vector = await manager.search("tea or coffee", strategy="vector", limit=2)
    keyword = await manager.search("invoice paid late", strategy="keyword", limit=2)
    recent = await manager.search("anything", strategy="recency", limit=2)

    assert fused[0].id == ids[2]
    assert fused[0].strategy == "fused" and fused[0].matched_by == ["vector", "keyword"]
    assert fused[0].score > fused[1].score
    assert (vector[0].id, vector[0].strategy) == (ids[2], "vector")
    assert (keyword[0].id, keyword[0].strategy) == (ids[1], "keyword")
    assert [r.strategy for r in recent] == ["recency", "recency"]
    assert [r.id for r in recent] == [ids[4], ids[3]]


async def test_decay_lets_a_recent_episode_outrank_a_closer_but_older_one(
    managers: ManagerFactory,
) -> None:
    _, plain = await managers("historian")
    _, decaying = await managers("journalist", decay_enabled=True, decay_half_life_days=7)
    now = datetime.now(UTC)
    episodes = [
        NewMemory(kind="episodic", content="The user said they like green tea a lot",
                  occurred_at=now - timedelta(days=90)),
        NewMemory(kind="episodic", content="Tea came up with the user", occurred_at=now),
    ]  # fmt: skip
    old_id, new_id = [r.id for r in await plain.store(episodes)]
    old_copy, new_copy = [r.id for r in await decaying.store(episodes)]

    query, options = "the user likes green tea", {"strategy": "vector", "kinds": ["episodic"]}
    undecayed = await plain.search(query, **options)
    decayed = await decaying.search(query, **options)

    assert [r.id for r in undecayed] == [old_id, new_id]
    assert [r.id for r in decayed] == [new_copy, old_copy]
    assert decayed[1].score < 0.01  # 90 days at a 7-day half-life


async def test_semantic_facts_are_looked_up_and_walked_as_a_graph(
    managers: ManagerFactory,
) -> None:
    _, manager = await managers("cartographer")
    triples = [("Ada", "works at", "Acme"), ("Acme", "is located in", "Paris"),
               ("Bob", "knows", "Ada"), ("Zed", "likes", "tea")]  # fmt: skip
    await manager.store([
        NewMemory(kind="semantic", content=" ".join(t), subject=t[0], relation=t[1], object=t[2])
        for t in triples
    ])  # fmt: skip

    ada = await manager.facts(subject="ada", relation=None, object=None, limit=10)
    near = await manager.neighbourhood("ADA", depth=1, limit=10)
    far = await manager.neighbourhood("Ada", depth=2, limit=10)

    assert [(f.subject, f.relation, f.object) for f in ada] == [("Ada", "works at", "Acme")]
    assert {f.content for f in near} == {"Ada works at Acme", "Bob knows Ada"}
    assert {f.content for f in far} == {"Ada works at Acme", "Bob knows Ada",
                                        "Acme is located in Paris"}  # fmt: skip


async def test_vectors_of_different_sizes_coexist_each_with_an_hnsw_index(
    managers: ManagerFactory, session_factory: Any
) -> None:
    _, wide = await managers("wide")
    _, narrow = await managers("narrow", embedding={**FAKE_EMBEDDING, "dimensions": 256})
    await _notes(wide, CORPUS)
    await _notes(narrow, CORPUS)

    assert (await wide.search("green tea", strategy="vector", limit=1))[0].content == CORPUS[2]
    assert (await narrow.search("green tea", strategy="vector", limit=1))[0].content == CORPUS[2]
    async with session_factory() as session:
        indexes = set(
            await session.scalars(
                text("SELECT indexname FROM pg_indexes WHERE tablename = 'agent_memories'")
            )
        )
        await session.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(
            await session.scalars(
                text(
                    "EXPLAIN SELECT id FROM agent_memories WHERE embedding_dims = 256 "
                    "ORDER BY embedding::vector(256) <=> (SELECT embedding::vector(256) "
                    "FROM agent_memories WHERE embedding_dims = 256 LIMIT 1) LIMIT 3"
                )
            )
        )
    assert {"ix_agent_memories_hnsw_384", "ix_agent_memories_hnsw_1536",
            "ix_agent_memories_hnsw_256"} <= indexes  # fmt: skip
    assert "ix_agent_memories_hnsw_256" in plan


async def test_every_connection_scans_hnsw_wide_and_iteratively(session_factory: Any) -> None:
    # Set per connection (kyra.db.engine.HNSW_SETTINGS), they hold once pgvector is loaded.
    async with session_factory() as session:
        await session.execute(text("SELECT '[1,2]'::vector"))
        ef = await session.scalar(text("SHOW hnsw.ef_search"))
        scan = await session.scalar(text("SHOW hnsw.iterative_scan"))
    assert (ef, scan) == ("100", "relaxed_order")


async def test_embeddings_are_cached_and_their_usage_is_logged(
    managers: ManagerFactory, fake_openai: FakeOpenAI, services: Any, session_factory: Any
) -> None:
    agent, manager = await managers("thrifty")
    hits = services.memory.cache.hits

    await manager.search("a question asked twice about caching", strategy="vector")
    await manager.search("a question asked twice about caching", strategy="vector")

    calls = [r for r in fake_openai.requests if r.path == "/v1/embeddings"]
    assert len(calls) == 1 and calls[0].body["input"] == ["a question asked twice about caching"]
    assert services.memory.cache.hits == hits + 1
    async with session_factory() as session:
        rows = (
            await session.execute(
                select(LlmUsageLog.model_key, LlmUsageLog.input_tokens, LlmUsageLog.total_cost)
                .where(LlmUsageLog.agent_id == agent["id"])
            )
        ).all()  # fmt: skip
        count = await session.scalar(
            select(func.count()).select_from(LlmUsageLog).where(LlmUsageLog.agent_id == agent["id"])
        )
    assert count == 1 and rows[0][0] == "text-embedding-3-small" and rows[0][1] > 0


async def test_forgetting_and_core_facts(managers: ManagerFactory) -> None:
    _, manager = await managers("profiler")
    (note,) = await _notes(manager, ["a passing thought"])

    await manager.set_core("user_name", "Ada")
    await manager.set_core("user_name", "Ada Lovelace")
    await manager.set_core("persona", "terse")

    assert await manager.core() == {"persona": "terse", "user_name": "Ada Lovelace"}
    assert await manager.delete_core("persona") and not await manager.delete_core("persona")
    assert await manager.forget(note) and not await manager.forget(note)
    assert await manager.search("passing thought", strategy="keyword") == []
