"""Users (owners of every resource) and their API keys, stored hashed."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from kyra.db.models._columns import timestamp_column, utcnow


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=200)
    is_admin: bool = False
    #: Sign-in address (OpenID Connect users), unique when set.
    email: str | None = Field(default=None, max_length=320, unique=True)
    #: ``{issuer}|{sub}`` of the OpenID Connect identity mapped to this user.
    oidc_subject: str | None = Field(default=None, max_length=500, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    #: A disabled user's keys stop working; their resources stay.
    disabled_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))

    @property
    def role(self) -> str:
        return "admin" if self.is_admin else "member"


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    #: First characters of the key, shown to tell keys apart; the key itself is never stored.
    prefix: str = Field(max_length=16)
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    revoked_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    last_used_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
