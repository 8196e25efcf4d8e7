"""Users and API keys: admins create, list and disable users; everyone manages their own keys.

Roles are ``admin`` and ``member``. A key is shown once, when it is created; only its SHA-256
hash and its first characters are kept. Revoking a key or disabling a user takes effect at once
in this process and within ``CACHE_SECONDS`` in the others.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Literal

from litestar import Controller, delete, get, patch, post
from litestar.exceptions import PermissionDeniedException
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kyra.api.auth import Principal, forget_principals
from kyra.api.fields import Flag, Name
from kyra.api.schemas.users import KeyCreated, KeyRead, UserCreated, UserRead
from kyra.db.queries import users as queries
from kyra.errors import ConflictError

Role = Literal["admin", "member"]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    email: str | None = Field(
        None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320,
        description="Sign-in address (OpenID Connect)",
    )  # fmt: skip
    role: Role = "member"
    key_name: Name = Field("initial", description="First key's name")


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    role: Role | None = None
    disabled: Flag | None = Field(None, description="A disabled user's keys stop working")


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name


def _admin(principal: Principal) -> None:
    if not principal.is_admin:
        raise PermissionDeniedException("only admins manage users")


class UserController(Controller):
    path = "/api/users"
    tags = ["users"]

    @get("/", opt={"errors": [403]})
    async def list_users(self, db_session: AsyncSession, principal: Principal) -> list[UserRead]:
        _admin(principal)
        return [UserRead.of(u) for u in await queries.list_users(db_session)]

    @post("/", opt={"errors": [403]})
    async def create(
        self, data: UserCreate, db_session: AsyncSession, principal: Principal
    ) -> UserCreated:
        """Create a user with a first API key (shown once, in ``api_key``)."""
        _admin(principal)
        email = data.email.lower() if data.email else None
        try:
            user = await queries.create_user(
                db_session, name=data.name, is_admin=data.role == "admin", email=email
            )
        except IntegrityError as exc:
            raise ConflictError(f"a user with the email {email!r} already exists") from exc
        _, key = await queries.create_api_key(db_session, owner_id=user.id, name=data.key_name)
        return UserCreated.of_new(user, key)

    @patch("/{user_id:uuid}", opt={"errors": [403]})
    async def update(
        self, user_id: uuid.UUID, data: UserUpdate, db_session: AsyncSession, principal: Principal
    ) -> UserRead:
        _admin(principal)
        user = await queries.get_user(db_session, user_id)
        if user.id == principal.user_id and (data.disabled or data.role == "member"):
            raise ConflictError("admins cannot disable or demote themselves")
        if data.name is not None:
            user.name = data.name
        if data.role is not None:
            user.is_admin = data.role == "admin"
        if data.disabled is not None:
            user.disabled_at = (user.disabled_at or datetime.now(UTC)) if data.disabled else None
        await db_session.flush()
        forget_principals()
        return UserRead.of(user)


class KeyController(Controller):
    path = "/api/keys"
    tags = ["users"]

    @get("/")
    async def list_keys(self, db_session: AsyncSession, principal: Principal) -> list[KeyRead]:
        """The caller's own keys (revoked ones included), never the keys themselves."""
        rows = await queries.list_api_keys(db_session, owner_id=principal.user_id)
        return [KeyRead.of(k) for k in rows]

    @post("/")
    async def create(
        self, data: KeyCreate, db_session: AsyncSession, principal: Principal
    ) -> KeyCreated:
        """A new key for the caller, shown once in ``key``."""
        row, key = await queries.create_api_key(
            db_session, owner_id=principal.user_id, name=data.name
        )
        return KeyCreated.of_new(row, key)

    @delete("/{key_id:uuid}")
    async def revoke(
        self, key_id: uuid.UUID, db_session: AsyncSession, principal: Principal
    ) -> None:
        """Revoke one of the caller's keys (it stays listed, with ``revoked_at``)."""
        await queries.revoke_api_key(db_session, owner_id=principal.user_id, key_id=key_id)
        forget_principals()
