"""Fixtures for the LLM layer against a real embedded PostgreSQL and the fake providers."""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

# The repository root, so `tests.fakes` imports (until pytest's pythonpath includes ".").
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from kyra.db.engine import create_engine, create_session_factory
from kyra.db.migrate import upgrade
from kyra.db.models import User
from kyra.db.queries.llm import seed_catalogue
from kyra.infra.embedded import EmbeddedPostgres
from tests.fakes.fixtures import (  # noqa: F401
    _anthropic_server,
    _openai_server,
    fake_anthropic,
    fake_openai,
)


@pytest.fixture(scope="session")
def llm_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = EmbeddedPostgres(tmp_path_factory.mktemp("llm-pg"), durable=False)
    url = server.start()
    try:
        upgrade(url)
        yield url
    finally:
        server.stop()


@pytest.fixture(scope="session")
async def llm_sessions(llm_database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(llm_database_url, pool_size=25, max_overflow=10)
    sessions = create_session_factory(engine)
    async with sessions.begin() as session:
        await seed_catalogue(session)
    yield sessions
    await engine.dispose()


@pytest.fixture
async def user_id(llm_sessions: async_sessionmaker[AsyncSession]) -> uuid.UUID:
    """A fresh user, so each test sees only its own providers, runs and usage."""
    async with llm_sessions.begin() as session:
        user = User(name=f"user-{uuid.uuid4().hex[:8]}")
        session.add(user)
    return user.id
