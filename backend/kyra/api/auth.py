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

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

#: Every route path reachable without an API key.
PUBLIC = frozenset(
    {
        "/health",
        "/hooks/{path:path}",
        "/channels/{kind:str}/{deployment_id:uuid}",
        # The OAuth2 provider sends the browser here: it carries no key, and is guarded by a
        # single-use state bound (by an HttpOnly cookie) to the browser that started it.
        "/api/oauth/callback",
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


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKeyMiddleware(AbstractAuthenticationMiddleware):
    """Resolves ``X-API-Key`` to a :class:`Principal` or answers 401."""

    _cache: dict[str, tuple[Principal, float]] = {}

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        key = connection.headers.get("x-api-key", "")
        if not key:
            raise NotAuthorizedException("missing X-API-Key header")
        principal = await self._resolve(connection, key)
        if principal is None:
            raise NotAuthorizedException("invalid API key")
        return AuthenticationResult(user=principal, auth=None)

    async def _resolve(self, connection: ASGIConnection, key: str) -> Principal | None:
        from kyra.db.queries.users import ensure_admin, resolve_api_key

        state = connection.app.state
        digest = hash_key(key)
        cached = self._cache.get(digest)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        admin_key = state.settings.admin_api_key
        async with state.services.session_factory() as session:
            if admin_key and hmac.compare_digest(key, admin_key):
                user = await ensure_admin(session)
                await session.commit()
            else:
                user = await resolve_api_key(session, key)
        if user is None:
            return None
        principal = Principal(user.id, user.name, user.is_admin)
        self._cache[digest] = (principal, time.monotonic() + CACHE_SECONDS)
        return principal
