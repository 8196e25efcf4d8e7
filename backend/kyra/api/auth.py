"""API-key authentication, enforced app-wide: every route needs a key unless it opts out.

Public routes opt out with ``opt={"public": True}`` (the OpenAPI docs by path); a test compares
them with :data:`PUBLIC`.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

if TYPE_CHECKING:
    from kyra.db.models import User

#: Every route path reachable without an API key.
PUBLIC = frozenset(
    {
        "/health",
        "/health/ready",
        # Checks an admin key itself unless KYRA_METRICS_PUBLIC is set.
        "/metrics",
        "/hooks/{path:path}",
        # Signed with the agent's webhook secret (checked by the route).
        "/hooks/agents/{name:str}",
        "/channels/{kind:str}/{deployment_id:uuid}",
        # The OAuth2 provider sends the browser here: it carries no key, and is guarded by a
        # single-use state bound (by an HttpOnly cookie) to the browser that started it.
        "/api/oauth/callback",
        # OpenID Connect sign-in: state and one-time codes bound to the browser by a cookie.
        "/auth/oidc",
        "/auth/oidc/login",
        "/auth/oidc/callback",
        "/auth/oidc/session",
        "/",
        "/{path:path}",
    }
)
#: Path patterns reachable without an API key: the OpenAPI documents.
PUBLIC_PATTERNS = ("^/schema",)
#: Seconds a resolved key is trusted before it is looked up again (revocation delay).
CACHE_SECONDS = 30.0


@dataclass(frozen=True)
class Principal:
    """Who is calling: the owner of the API key."""

    user_id: uuid.UUID
    name: str
    is_admin: bool

    @property
    def role(self) -> str:
        return "admin" if self.is_admin else "member"

    @property
    def readable_owner(self) -> uuid.UUID | None:
        """Whose runs and usage this caller may read: everyone's (None) for admins."""
        return None if self.is_admin else self.user_id


def forget_principals() -> None:
    """Drop cached keys in this process (after a revocation or a disabled user); other
    processes notice within :data:`CACHE_SECONDS`."""
    ApiKeyMiddleware._cache.clear()


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKeyMiddleware(AbstractAuthenticationMiddleware):
    """Resolves ``X-API-Key`` to a :class:`Principal` or answers 401."""

    _cache: dict[str, tuple[Principal, float]] = {}

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        return AuthenticationResult(user=await self.caller(connection), auth=None)

    @classmethod
    async def caller(cls, connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
        """The owner of the request's ``X-API-Key``; 401 when it is missing or unknown (also for
        public routes that check a key themselves)."""
        key = connection.headers.get("x-api-key", "")
        if not key:
            raise NotAuthorizedException("missing X-API-Key header")
        principal = await cls.resolve(connection, key)
        if principal is None:
            raise NotAuthorizedException("invalid API key")
        return principal

    @classmethod
    async def resolve(
        cls, connection: ASGIConnection[Any, Any, Any, Any], key: str
    ) -> Principal | None:
        """The owner of ``key`` (cached for :data:`CACHE_SECONDS`), None for unknown keys."""
        from kyra.db.queries.users import ensure_admin, resolve_api_key

        state = connection.app.state
        digest = hash_key(key)
        cached = cls._cache.get(digest)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        admin_key = state.settings.admin_api_key
        user: User | None
        async with state.services.session_factory() as session:
            if admin_key and hmac.compare_digest(key, admin_key):
                user = await ensure_admin(session)
                await session.commit()
            else:
                user = await resolve_api_key(session, key)
                await session.commit()
        if user is None:
            return None
        principal = Principal(user.id, user.name, user.is_admin)
        cls._cache[digest] = (principal, time.monotonic() + CACHE_SECONDS)
        return principal
