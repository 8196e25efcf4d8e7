"""Credentials, always scoped by owner; the data column stays encrypted at this layer."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from kyra.db.models import Credential
from kyra.errors import NotFoundError


def as_uuid(value: str | uuid.UUID) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


async def find_credential(
    session: AsyncSession, *, owner_id: uuid.UUID, credential_id: str | uuid.UUID
) -> Credential | None:
    """The owner's credential, or None (also for ids that are not UUIDs)."""
    key = as_uuid(credential_id)
    if key is None:
        return None
    return await session.scalar(
        select(Credential).where(col(Credential.id) == key, col(Credential.owner_id) == owner_id)
    )


async def get_credential(
    session: AsyncSession, *, owner_id: uuid.UUID, credential_id: uuid.UUID
) -> Credential:
    """The owner's credential.

    Raises:
        NotFoundError: no such credential for this owner.
    """
    credential = await find_credential(session, owner_id=owner_id, credential_id=credential_id)
    if credential is None:
        raise NotFoundError(f"credential {credential_id} not found")
    return credential


async def list_credentials(session: AsyncSession, *, owner_id: uuid.UUID) -> list[Credential]:
    rows = await session.scalars(
        select(Credential)
        .where(col(Credential.owner_id) == owner_id)
        .order_by(col(Credential.name))
    )
    return list(rows)
