"""The async SQLAlchemy engine and session factory, built once per process from a URL."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

_encode = msgspec.json.Encoder(enc_hook=str).encode


def encode_json(value: Any) -> str:
    """``value`` as stored JSON text."""
    # Every stored JSON value passes here (node inputs, params, outputs): msgspec encodes in
    # native code; values JSON lacks (datetimes, UUIDs, decimals, others via str) become strings
    # rather than failing a run, and NaN/Infinity become null (PostgreSQL refuses them).
    return _encode(value).decode()


def to_async_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and point them at asyncpg."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


#: HNSW scans (agent memory) look at more candidates than pgvector's default of 40, for recall,
#: and keep scanning while the agent and kind filters reject them (pgvector 0.8 iterative scans)
#: so a small agent among many still gets its results. Set once per connection: per search it
#: was a round trip of its own.
HNSW_SETTINGS = {"hnsw.ef_search": "100", "hnsw.iterative_scan": "relaxed_order"}


def create_engine(url: str, *, pool_size: int = 10, max_overflow: int = 20) -> AsyncEngine:
    return create_async_engine(
        to_async_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        connect_args={"server_settings": HNSW_SETTINGS},
        # No pre-ping: it costs a round trip per transaction; a connection found dead is
        # invalidated on first use and the pool reconnects.
        pool_recycle=3600,
        json_serializer=encode_json,
    )


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
