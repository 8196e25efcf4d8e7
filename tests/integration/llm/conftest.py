"""Fixtures for the LLM layer: the shared database with the catalogue seeded, fresh users, fakes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kyra.db.models import User
from kyra.db.queries.llm import seed_catalogue
from tests.fakes.fixtures import (  # noqa: F401
    _anthropic_server,
    _openai_server,
    fake_anthropic,
    fake_openai,
)


@pytest.fixture(scope="session")
async def llm_sessions(session_factory: Any) -> async_sessionmaker[AsyncSession]:
    """The shared session factory, on a database whose LLM catalogue is seeded."""
    async with session_factory.begin() as session:
        await seed_catalogue(session)
    factory: async_sessionmaker[AsyncSession] = session_factory
    return factory


@pytest.fixture
async def user_id(llm_sessions: async_sessionmaker[AsyncSession]) -> uuid.UUID:
    """A fresh user, so each test sees only its own providers, runs and usage."""
    async with llm_sessions.begin() as session:
        user = User(name=f"user-{uuid.uuid4().hex[:8]}")
        session.add(user)
    return user.id
