"""Stored files: who owns which blob, under what name and type (the bytes live in the store)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from kyra.db.models._columns import timestamp_column, utcnow


class StoredFile(SQLModel, table=True):
    __tablename__ = "files"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    #: Content hash: the blob's name in the store (many rows may share one blob).
    sha256: str = Field(max_length=64, index=True)
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    name: str = Field(max_length=255)
    mime: str = Field(max_length=255)
    #: The run and node that produced it (runs of sync mode may not be stored: no foreign key).
    run_id: uuid.UUID | None = Field(default=None, index=True)
    node_id: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
