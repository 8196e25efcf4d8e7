"""Credentials, encrypted at rest and never returned by the API."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from kyra.db.models._columns import timestamp_column, utcnow


class Credential(SQLModel, table=True):
    __tablename__ = "credentials"
    __table_args__ = (UniqueConstraint("owner_id", "name", name="uq_credentials_owner_name"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    kind: str = Field(max_length=64)
    #: Fernet token of the JSON fields.
    data_enc: bytes
    #: Why the credential no longer works (e.g. its OAuth2 grant was revoked); cleared when it
    #: is connected or changed again.
    problem: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(onupdate=True))
