"""First-start work shared by ``kyra up``, ``kyra migrate`` and the tests.

Migrations, the admin user, the shipped LLM catalogue and the admin API key whose plaintext is kept
in ``<data_dir>/api_key`` (mode 0600), so every start prints the same key.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import inspect
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kyra.db.engine import create_engine, create_session_factory
from kyra.db.migrate import upgrade
from kyra.db.queries.users import create_api_key, ensure_admin, resolve_api_key
from kyra.settings import Settings

_KEY_FILE = "api_key"
_CATALOGUE_MODULE = "kyra.db.queries.llm"


@dataclass(frozen=True)
class Bootstrapped:
    database_url: str
    redis_url: str
    admin_user_id: uuid.UUID
    #: The key to show the user: ``KYRA_ADMIN_API_KEY`` when set, else the stored admin key.
    api_key: str


async def prepare_database(settings: Settings) -> uuid.UUID:
    """Apply migrations, ensure the admin user and seed the LLM catalogue; returns the admin id."""
    async with _sessions(settings) as sessions:
        return await _prepare(sessions)


async def bootstrap(settings: Settings) -> Bootstrapped:
    """Everything ``kyra up`` needs before it starts the API and the workers."""
    async with _sessions(settings) as sessions:
        admin_id = await _prepare(sessions)
        async with sessions.begin() as session:
            stored = await _stored_admin_key(session, settings.data_dir / _KEY_FILE, admin_id)
    return Bootstrapped(
        database_url=settings.database_url,
        redis_url=settings.redis_url,
        admin_user_id=admin_id,
        api_key=settings.admin_api_key or stored,
    )


@asynccontextmanager
async def _sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    if not settings.database_url:
        raise ValueError("bootstrapping needs settings.database_url")
    await asyncio.to_thread(upgrade, settings.database_url)
    engine = create_engine(settings.database_url, pool_size=1, max_overflow=0)
    try:
        yield create_session_factory(engine)
    finally:
        await engine.dispose()


async def _prepare(sessions: async_sessionmaker[AsyncSession]) -> uuid.UUID:
    async with sessions.begin() as session:
        admin = await ensure_admin(session)
    async with sessions.begin() as session:
        await _seed_catalogue(session)
    return admin.id


async def _stored_admin_key(session: AsyncSession, path: Path, admin_id: uuid.UUID) -> str:
    key = _read_key(path)
    if key:
        user = await resolve_api_key(session, key)
        if user is not None and user.id == admin_id:
            return key
    # First start, or the file belongs to another database: issue a key and remember it.
    _, key = await create_api_key(session, owner_id=admin_id, name="kyra up")
    _write_private(path, key + "\n")
    return key


def _read_key(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return None


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.replace(tmp, path)


async def _seed_catalogue(session: AsyncSession) -> None:
    # The LLM catalogue arrives with its own issue; until then there is nothing to seed.
    if importlib.util.find_spec(_CATALOGUE_MODULE) is None:
        return
    seed = getattr(importlib.import_module(_CATALOGUE_MODULE), "seed_catalogue", None)
    if seed is not None:
        result = seed(session)
        if inspect.isawaitable(result):
            await result
