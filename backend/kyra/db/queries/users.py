"""Users and their API keys: keys are shown once and stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from kyra.db.models import ApiKey, User
from kyra.errors import NotFoundError

#: Every key starts with this, so leaked keys are easy to recognise (and to scan for).
KEY_PREFIX = "kyra_"
#: Characters of the plaintext kept in ``ApiKey.prefix`` to tell keys apart.
SHOWN_CHARS = 12
#: Advisory lock id serialising ``ensure_admin`` across processes starting together.
_ADMIN_LOCK = 726173


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create_user(
    session: AsyncSession, *, name: str, is_admin: bool = False, email: str | None = None
) -> User:
    user = User(name=name, is_admin=is_admin, email=email)
    session.add(user)
    await session.flush()
    return user


async def create_api_key(
    session: AsyncSession, *, owner_id: uuid.UUID, name: str
) -> tuple[ApiKey, str]:
    """Create a key for ``owner_id``; returns the row and the plaintext, which is never stored."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(owner_id=owner_id, name=name, prefix=key[:SHOWN_CHARS], key_hash=hash_api_key(key))
    session.add(row)
    await session.flush()
    return row, key


async def resolve_api_key(session: AsyncSession, key: str) -> User | None:
    """The owner of ``key`` if the key is not revoked and the owner not disabled, else None;
    marks the key used (the caller commits)."""
    digest = hash_api_key(key)
    query = (
        select(User)
        .join(ApiKey, col(ApiKey.owner_id) == col(User.id))
        .where(
            col(ApiKey.key_hash) == digest,
            col(ApiKey.revoked_at).is_(None),
            col(User.disabled_at).is_(None),
        )
    )
    user = (await session.execute(query)).scalars().first()
    if user is not None:
        await session.execute(
            update(ApiKey).where(col(ApiKey.key_hash) == digest).values(last_used_at=_now())
        )
    return user


def _now() -> datetime:
    return datetime.now(UTC)


async def list_users(session: AsyncSession) -> list[User]:
    return list(await session.scalars(select(User).order_by(col(User.created_at))))


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    """Raises NotFoundError for unknown users."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"user {user_id} not found")
    return user


async def find_user_by_oidc_subject(session: AsyncSession, subject: str) -> User | None:
    return await session.scalar(select(User).where(col(User.oidc_subject) == subject))


async def find_user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(col(User.email) == email.lower()))


async def list_api_keys(session: AsyncSession, *, owner_id: uuid.UUID) -> list[ApiKey]:
    query = select(ApiKey).where(col(ApiKey.owner_id) == owner_id)
    return list(await session.scalars(query.order_by(col(ApiKey.created_at))))


async def revoke_api_key(
    session: AsyncSession, *, owner_id: uuid.UUID, key_id: uuid.UUID
) -> ApiKey:
    """Revoke one of the owner's keys (again is a no-op).

    Raises:
        NotFoundError: no such key, or another owner's.
    """
    key = await session.scalar(
        select(ApiKey).where(col(ApiKey.id) == key_id, col(ApiKey.owner_id) == owner_id)
    )
    if key is None:
        raise NotFoundError(f"API key {key_id} not found")
    key.revoked_at = key.revoked_at or _now()
    await session.flush()
    return key


async def ensure_admin(session: AsyncSession, *, name: str = "admin") -> User:
    """The oldest admin user called ``name``, created on first call."""
    user = await _find_admin(session, name)
    if user is not None:
        return user
    # Only the first call pays for the lock, which stops two starting processes creating two.
    await session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _ADMIN_LOCK})
    return await _find_admin(session, name) or await create_user(session, name=name, is_admin=True)


async def _find_admin(session: AsyncSession, name: str) -> User | None:
    query = (
        select(User)
        .where(col(User.name) == name, col(User.is_admin).is_(True))
        .order_by(col(User.created_at))
        .limit(1)
    )
    return (await session.execute(query)).scalars().first()
