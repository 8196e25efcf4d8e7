"""Users and API keys as the API answers them: a key itself only once, when it is created."""

from __future__ import annotations

import uuid
from typing import Literal

from kyra.api.schemas.base import ReadModel, Timestamp
from kyra.db.models import ApiKey, User

__all__ = ["KeyCreated", "KeyRead", "UserCreated", "UserRead"]


class UserRead(ReadModel):
    """A user: ``disabled`` users' keys stop working."""

    id: uuid.UUID
    name: str
    email: str | None
    role: Literal["admin", "member"]
    disabled: bool
    created_at: Timestamp

    @classmethod
    def of(cls, user: User) -> UserRead:
        return cls(
            id=user.id,
            name=user.name,
            email=user.email,
            role="admin" if user.is_admin else "member",
            disabled=user.disabled_at is not None,
            created_at=user.created_at,
        )


class UserCreated(UserRead):
    """A new user and its first API key, shown this once."""

    api_key: str

    @classmethod
    def of_new(cls, user: User, api_key: str) -> UserCreated:
        return cls(**dict(UserRead.of(user)), api_key=api_key)


class KeyRead(ReadModel):
    """An API key without the key: its first characters and when it was last used."""

    id: uuid.UUID
    name: str
    prefix: str
    created_at: Timestamp
    last_used_at: Timestamp | None
    revoked_at: Timestamp | None

    @classmethod
    def of(cls, key: ApiKey) -> KeyRead:
        return cls(
            id=key.id,
            name=key.name,
            prefix=key.prefix,
            created_at=key.created_at,
            last_used_at=key.last_used_at,
            revoked_at=key.revoked_at,
        )


class KeyCreated(KeyRead):
    """A new API key, shown this once in ``key``."""

    key: str

    @classmethod
    def of_new(cls, row: ApiKey, key: str) -> KeyCreated:
        return cls(**dict(KeyRead.of(row)), key=key)
