"""Dependency providers: the request's DB session and principal, and the engine services."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import redis.asyncio as aioredis
from litestar import Request
from litestar.datastructures import State
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kyra.api.auth import Principal
from kyra.engine.services import EngineServices
from kyra.errors import ConflictError


async def provide_db_session(state: State) -> AsyncGenerator[AsyncSession, None]:
    """A session whose work is committed after the handler returns (rolled back on error)."""
    async with state.services.session_factory() as session:
        try:
            yield session
            await session.commit()
        except IntegrityError as exc:
            await session.rollback()
            raise ConflictError("the change conflicts with existing data") from exc


def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    principal: Principal = request.user
    return principal


def provide_services(state: State) -> EngineServices:
    services: EngineServices = state.services
    return services


def app_redis(request: Request[Any, Any, Any], services: EngineServices) -> aioredis.Redis:
    """A Redis client shared by this app's routes that keep short-lived state (replay guards,
    sign-in states), made on first use."""
    client: aioredis.Redis | None = getattr(request.app.state, "redis", None)
    if client is None:
        timeout = services.settings.redis_timeout_seconds
        client = aioredis.Redis.from_url(
            services.settings.redis_url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        request.app.state.redis = client
    return client
