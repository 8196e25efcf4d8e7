"""Agent memories (long-term) and session windows (the ``postgres`` short-term backend).

Vectors of any size share one column; each size has a partial HNSW index on
``embedding::vector(n)`` (``halfvec`` above 2,000 dimensions), created the first time a vector
of that size is stored, so a search casts to the same expression to use it.
"""

from __future__ import annotations

import functools
import re
import uuid
from datetime import datetime
from typing import Any

from pgvector.sqlalchemy import HALFVEC, Vector
from sqlalchemy import (
    ARRAY,
    Row,
    Select,
    String,
    any_,
    bindparam,
    cast,
    delete,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from kyra.db.models import AgentMemory, AgentSessionMessage, table_of

#: pgvector indexes ``vector`` up to 2,000 dimensions and ``halfvec`` up to 4,000.
_VECTOR_MAX, _HALFVEC_MAX = 2000, 4000
_MEMORIES = table_of(AgentMemory)
#: Columns a memory is read with, as plain rows (no ORM entities: building them cost more than a
#: search on 1,000 memories): never the vector (parsing it back costs more than the search) nor
#: the generated tsvector.
_HEAVY = ("embedding", "content_tsv")
_READ = [c for c in _MEMORIES.c if c.name not in _HEAVY]
#: A memory read with the ``_READ`` columns (and, for a search, its distance or rank).
MemoryRow = Row[*tuple[Any, ...]]
_KINDS = ARRAY(String)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CORE = "core"


def _vector_type(dims: int) -> Any:
    return Vector(dims) if dims <= _VECTOR_MAX else HALFVEC(dims)


async def ensure_vector_index(session: AsyncSession, dims: int) -> None:
    """Create the HNSW index for vectors of ``dims`` dimensions if it does not exist yet."""
    if dims > _HALFVEC_MAX:
        return  # searched exactly, without an index
    kind = "vector" if dims <= _VECTOR_MAX else "halfvec"
    ops = f"{kind}_cosine_ops"
    name = f"ix_agent_memories_hnsw_{int(dims)}"
    exists = await session.scalar(
        text("SELECT 1 FROM pg_indexes WHERE indexname = :name"), {"name": name}
    )
    if exists:  # CREATE INDEX IF NOT EXISTS would still lock the table against writes
        return
    await session.execute(
        text(
            f"CREATE INDEX IF NOT EXISTS ix_agent_memories_hnsw_{int(dims)} ON agent_memories "
            f"USING hnsw ((embedding::{kind}({int(dims)})) {ops}) "
            f"WHERE embedding_dims = {int(dims)}"
        )
    )


async def insert_memories(
    session: AsyncSession, agent_id: uuid.UUID, rows: list[dict[str, Any]]
) -> list[Any]:
    """Insert memories; rows whose (kind, key) the agent already has are skipped. Returns the
    stored rows without their vectors."""
    if not rows:
        return []
    values = [{"agent_id": agent_id, **row} for row in rows]
    statement = (
        insert(_MEMORIES)
        .values(values)
        .on_conflict_do_nothing(
            index_elements=["agent_id", "kind", "key"], index_where=text("key IS NOT NULL")
        )
        .returning(*_READ)
    )
    return list((await session.execute(statement)).all())


def _scope(by_kind: bool) -> list[Any]:
    """``_scoped`` for statements built once: the agent and kinds are bound at execution."""
    conditions: list[Any] = [_MEMORIES.c.agent_id == bindparam("agent_id")]
    if by_kind:
        conditions.append(_MEMORIES.c.kind == any_(bindparam("kinds", type_=_KINDS)))
    return conditions


def _scoped(agent_id: uuid.UUID, kinds: list[str]) -> list[Any]:
    conditions: list[Any] = [_MEMORIES.c.agent_id == agent_id]
    if kinds:
        conditions.append(_MEMORIES.c.kind.in_(kinds))
    return conditions


@functools.cache
def _nearest(dims: int, by_kind: bool) -> Select[Any]:
    """The vector search for one vector size, built once: the size is written into the SQL so
    that every plan, generic ones too, matches the size's partial HNSW index."""
    vector_type = _vector_type(dims)
    distance = cast(_MEMORIES.c.embedding, vector_type).cosine_distance(
        bindparam("vector", type_=vector_type)
    )
    return (
        select(*_READ, distance.label("distance"))
        .where(
            *_scope(by_kind),
            _MEMORIES.c.embedding_dims == literal_column(str(int(dims))),
            _MEMORIES.c.embedding_model == bindparam("model"),
        )
        .order_by(distance)
        .limit(bindparam("limit"))
    )


async def search_vector(
    session: AsyncSession,
    agent_id: uuid.UUID,
    vector: list[float],
    model: str,
    *,
    kinds: list[str],
    limit: int,
) -> list[tuple[MemoryRow, float]]:
    """The ``limit`` memories nearest to ``vector`` among those embedded by ``model``."""
    rows = await session.execute(
        _nearest(len(vector), bool(kinds)),
        {"agent_id": agent_id, "kinds": kinds, "vector": vector, "model": model, "limit": limit},
    )
    found = [(row, 1.0 - float(row.distance)) for row in rows]
    return sorted(found, key=lambda pair: pair[1], reverse=True)  # relaxed order: re-sort


def keyword_query(query: str) -> str:
    """A tsquery matching any word of ``query`` (empty when it has no words)."""
    return " | ".join(dict.fromkeys(w.lower() for w in _WORD.findall(query)))


@functools.cache
def _matching(by_kind: bool) -> Select[Any]:
    tsquery = select(
        func.to_tsquery(literal_column("'english'"), bindparam("terms"))
    ).scalar_subquery()
    rank = func.ts_rank(_MEMORIES.c.content_tsv, tsquery)
    return (
        select(*_READ, rank.label("rank"))
        .where(*_scope(by_kind), _MEMORIES.c.content_tsv.op("@@")(tsquery))
        .order_by(rank.desc(), _MEMORIES.c.occurred_at.desc())
        .limit(bindparam("limit"))
    )


async def search_keyword(
    session: AsyncSession, agent_id: uuid.UUID, query: str, *, kinds: list[str], limit: int
) -> list[tuple[MemoryRow, float]]:
    """Full-text matches of any word of ``query``, ranked by how often and how many of its
    words each memory holds.

    ``ts_rank`` rather than ``ts_rank_cd``: an any-word query matches about one memory in a
    hundred, every match is ranked, and cover density costs ~10 µs a row (20 ms a query at
    100k memories) where ``ts_rank`` costs ~1 µs. The tsquery is parsed once (an init plan)
    rather than for every matching row.
    """
    terms = keyword_query(query)
    if not terms:
        return []
    rows = await session.execute(
        _matching(bool(kinds)),
        {"agent_id": agent_id, "kinds": kinds, "terms": terms, "limit": limit},
    )
    return [(row, float(row.rank)) for row in rows]


async def recent_memories(
    session: AsyncSession, agent_id: uuid.UUID, *, kinds: list[str], limit: int, offset: int = 0
) -> list[MemoryRow]:
    rows = await session.execute(
        select(*_READ)
        .where(*_scoped(agent_id, kinds))
        .order_by(_MEMORIES.c.occurred_at.desc(), _MEMORIES.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows)


async def has_searchable(session: AsyncSession, agent_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(_MEMORIES.c.id)
        .where(_MEMORIES.c.agent_id == agent_id, _MEMORIES.c.kind != _CORE)
        .limit(1)
    )
    return found is not None


async def core_facts(session: AsyncSession, agent_id: uuid.UUID) -> dict[str, str]:
    rows = await session.execute(
        select(_MEMORIES.c.key, _MEMORIES.c.content)
        .where(_MEMORIES.c.agent_id == agent_id, _MEMORIES.c.kind == _CORE)
        .order_by(_MEMORIES.c.key)
    )
    return {str(key): content for key, content in rows}


async def set_core_fact(session: AsyncSession, agent_id: uuid.UUID, key: str, value: str) -> Any:
    values = insert(_MEMORIES).values(
        agent_id=agent_id, kind=_CORE, key=key, content=value, importance=1.0,
        metadatas={}, occurred_at=func.now(), created_at=func.now(),
    )  # fmt: skip
    statement = values.on_conflict_do_update(
        index_elements=["agent_id", "kind", "key"],
        index_where=text("key IS NOT NULL"),
        set_={"content": values.excluded.content, "occurred_at": func.now()},
    ).returning(*_READ)
    return (await session.execute(statement)).one()


async def delete_memories(session: AsyncSession, agent_id: uuid.UUID, *conditions: Any) -> int:
    result = await session.execute(
        delete(_MEMORIES)
        .where(_MEMORIES.c.agent_id == agent_id, *conditions)
        .returning(_MEMORIES.c.id)
    )
    return len(result.all())


async def delete_core_fact(session: AsyncSession, agent_id: uuid.UUID, key: str) -> bool:
    removed = await delete_memories(
        session, agent_id, _MEMORIES.c.kind == _CORE, _MEMORIES.c.key == key
    )
    return removed > 0


async def semantic_facts(
    session: AsyncSession,
    agent_id: uuid.UUID,
    *,
    subject: str | None,
    relation: str | None,
    object: str | None,
    limit: int,
) -> list[MemoryRow]:
    conditions: list[Any] = [
        _MEMORIES.c.agent_id == agent_id,
        _MEMORIES.c.kind == "semantic",
    ]
    parts = ((_MEMORIES.c.subject, subject), (_MEMORIES.c.relation, relation),
             (_MEMORIES.c.object, object))  # fmt: skip
    for column, value in parts:
        if value:
            conditions.append(func.lower(col(column)) == value.lower())
    rows = await session.execute(
        select(*_READ).where(*conditions).order_by(_MEMORIES.c.id).limit(limit)
    )
    return list(rows)


async def triples_touching(
    session: AsyncSession, agent_id: uuid.UUID, entities: list[str], *, limit: int
) -> list[MemoryRow]:
    """Semantic triples whose subject or object is one of ``entities`` (lower-cased)."""
    rows = await session.execute(
        select(*_READ)
        .where(
            _MEMORIES.c.agent_id == agent_id,
            _MEMORIES.c.kind == "semantic",
            or_(
                func.lower(_MEMORIES.c.subject).in_(entities),
                func.lower(_MEMORIES.c.object).in_(entities),
            ),
        )
        .order_by(_MEMORIES.c.id)
        .limit(limit)
    )
    return list(rows)


async def compression_candidates(
    session: AsyncSession,
    agent_id: uuid.UUID,
    *,
    kinds: list[str],
    older_than: datetime,
    max_importance: float,
    limit: int,
) -> list[MemoryRow]:
    rows = await session.execute(
        select(*_READ)
        .where(
            *_scoped(agent_id, kinds),
            _MEMORIES.c.occurred_at < older_than,
            _MEMORIES.c.importance <= max_importance,
        )
        .order_by(_MEMORIES.c.importance, _MEMORIES.c.occurred_at)
        .limit(limit)
    )
    return list(rows)


# --- session windows --------------------------------------------------------------------------


async def session_messages(
    session: AsyncSession, agent_id: uuid.UUID, session_id: str, limit: int
) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(col(AgentSessionMessage.message))
        .where(col(AgentSessionMessage.agent_id) == agent_id,
               col(AgentSessionMessage.session_id) == session_id)
        .order_by(col(AgentSessionMessage.id).desc())
        .limit(limit)
    )  # fmt: skip
    return list(reversed(list(rows)))


async def append_session_messages(
    session: AsyncSession,
    agent_id: uuid.UUID,
    session_id: str,
    entries: list[tuple[str, dict[str, Any]]],
    *,
    window: int,
) -> None:
    """Append new keys and drop what falls out of the window, in the caller's transaction."""
    if entries:
        await session.execute(
            insert(AgentSessionMessage)
            .values([
                {"agent_id": agent_id, "session_id": session_id, "key": key, "message": message,
                 "created_at": func.now()}
                for key, message in entries
            ])
            .on_conflict_do_nothing(constraint="uq_agent_session_messages_key")
        )  # fmt: skip
    mine = (
        col(AgentSessionMessage.agent_id) == agent_id,
        col(AgentSessionMessage.session_id) == session_id,
    )
    oldest_kept = (
        select(col(AgentSessionMessage.id))
        .where(*mine)
        .order_by(col(AgentSessionMessage.id).desc())
        .offset(max(window - 1, 0))
        .limit(1)
        .scalar_subquery()
    )
    if window <= 0:
        await session.execute(delete(AgentSessionMessage).where(*mine))
        return
    await session.execute(
        delete(AgentSessionMessage).where(*mine, col(AgentSessionMessage.id) < oldest_kept)
    )


async def session_list(
    session: AsyncSession, agent_id: uuid.UUID
) -> list[tuple[str, int, datetime]]:
    last = func.max(col(AgentSessionMessage.created_at))
    rows = await session.execute(
        select(col(AgentSessionMessage.session_id), func.count(), last)
        .where(col(AgentSessionMessage.agent_id) == agent_id)
        .group_by(col(AgentSessionMessage.session_id))
        .order_by(last.desc())
    )
    return [(str(r[0]), int(r[1]), r[2]) for r in rows]


async def clear_sessions(
    session: AsyncSession, agent_id: uuid.UUID, session_id: str | None
) -> None:
    conditions: list[Any] = [col(AgentSessionMessage.agent_id) == agent_id]
    if session_id is not None:
        conditions.append(col(AgentSessionMessage.session_id) == session_id)
    await session.execute(delete(AgentSessionMessage).where(*conditions))
