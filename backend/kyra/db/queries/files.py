"""Stored files, always looked up by owner."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from kyra.db.models import StoredFile


async def add_file(session: AsyncSession, stored: StoredFile) -> StoredFile:
    session.add(stored)
    await session.flush()
    return stored


async def get_file(
    session: AsyncSession, *, owner_id: uuid.UUID, file_id: uuid.UUID
) -> StoredFile | None:
    return await session.scalar(
        select(StoredFile).where(
            col(StoredFile.id) == file_id, col(StoredFile.owner_id) == owner_id
        )
    )
