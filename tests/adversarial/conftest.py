"""Fixtures of the adversarial suite."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="session")
async def fuzz_key(session_factory: Any) -> str:
    """An API key of a user of its own, so fuzzed data never reaches other tests' owners."""
    from kyra.db.queries.users import create_api_key, create_user

    async with session_factory() as session:
        user = await create_user(session, name="fuzzer")
        _, key = await create_api_key(session, owner_id=user.id, name="fuzz")
        await session.commit()
    return str(key)
