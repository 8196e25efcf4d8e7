"""User and API-key queries and ``bootstrap`` against the real PostgreSQL of the test session."""

from __future__ import annotations

import stat
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kyra.bootstrap import bootstrap
from kyra.db.queries.users import create_api_key, create_user, ensure_admin, resolve_api_key
from kyra.settings import Settings


async def test_a_created_key_resolves_to_its_owner_and_is_stored_hashed(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory.begin() as session:
        user = await create_user(session, name="ada")
        row, key = await create_api_key(session, owner_id=user.id, name="laptop")

    assert key.startswith("kyra_") and len(key) > 40
    assert row.prefix == key[:12]
    assert key not in row.key_hash and len(row.key_hash) == 64
    async with session_factory() as session:
        owner = await resolve_api_key(session, key)
    assert owner is not None and owner.id == user.id


async def test_unknown_and_revoked_keys_resolve_to_nobody(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory.begin() as session:
        user = await create_user(session, name="bob")
        row, key = await create_api_key(session, owner_id=user.id, name="old")
        row.revoked_at = row.created_at

    async with session_factory() as session:
        assert await resolve_api_key(session, key) is None
        assert await resolve_api_key(session, "kyra_not-a-key") is None


async def test_ensure_admin_is_idempotent(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory.begin() as session:
        first = await ensure_admin(session, name="root-admin")
    async with session_factory.begin() as session:
        second = await ensure_admin(session, name="root-admin")

    assert first.id == second.id and second.is_admin


async def test_bootstrap_keeps_one_key_across_starts(
    database_url: str, tmp_path: Path, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    settings = _settings(database_url, tmp_path)

    first = await bootstrap(settings)
    second = await bootstrap(settings)

    key_file = tmp_path / "api_key"
    assert first.api_key == second.api_key == key_file.read_text().strip()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.admin_user_id == second.admin_user_id
    async with session_factory() as session:
        owner = await resolve_api_key(session, first.api_key)
    assert owner is not None and owner.id == first.admin_user_id


async def test_bootstrap_replaces_a_key_file_from_another_database(
    database_url: str, tmp_path: Path
) -> None:
    (tmp_path / "api_key").write_text("kyra_from-some-other-install\n")
    settings = _settings(database_url, tmp_path)

    result = await bootstrap(settings)

    assert result.api_key != "kyra_from-some-other-install"
    assert (tmp_path / "api_key").read_text().strip() == result.api_key


async def test_bootstrap_shows_the_configured_admin_key(database_url: str, tmp_path: Path) -> None:
    settings = Settings(
        DATABASE_URL=database_url, REDIS_URL="", data_dir=tmp_path, admin_api_key="kyra_fixed"
    )

    assert (await bootstrap(settings)).api_key == "kyra_fixed"


def _settings(database_url: str, data_dir: Path) -> Settings:
    return Settings(DATABASE_URL=database_url, REDIS_URL="", data_dir=data_dir, admin_api_key="")
