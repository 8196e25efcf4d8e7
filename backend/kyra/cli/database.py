"""One-shot database commands (``kyra migrate``, ``kyra api-key create``) and their session."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from kyra.bootstrap import prepare_database
from kyra.cli.errors import CliError
from kyra.cli.runtime import with_running_servers
from kyra.db.engine import create_engine, create_session_factory
from kyra.db.queries.users import create_api_key, ensure_admin
from kyra.settings import Settings

_NO_DATABASE = (
    "no database configured: set DATABASE_URL, or start `kyra up` (`make run`) "
    "in another terminal with the same KYRA_DATA_DIR"
)


def require_database(settings: Settings) -> Settings:
    """Settings with a database URL (from the environment or a running ``kyra up``)."""
    settings = with_running_servers(settings)
    if not settings.database_url:
        raise CliError(_NO_DATABASE)
    return settings


@asynccontextmanager
async def admin_session(settings: Settings) -> AsyncIterator[tuple[AsyncSession, uuid.UUID]]:
    """A session in one transaction, and the admin user that owns what the CLI creates."""
    engine = create_engine(require_database(settings).database_url, pool_size=1, max_overflow=0)
    try:
        async with create_session_factory(engine).begin() as session:
            admin = await ensure_admin(session)
            yield session, admin.id
    finally:
        await engine.dispose()


def migrate(settings: Settings) -> int:
    settings = require_database(settings)
    asyncio.run(prepare_database(settings))
    print("database is up to date")
    return 0


def create_key(settings: Settings, name: str) -> int:
    async def create() -> str:
        async with admin_session(settings) as (session, admin_id):
            _, key = await create_api_key(session, owner_id=admin_id, name=name)
        return key

    # Only the key on stdout, so scripts can do KEY=$(kyra api-key create --name ci).
    print(asyncio.run(create()))
    return 0
