"""Telling "the database is unavailable, try again" apart from "this statement cannot succeed"."""

from __future__ import annotations

import asyncpg
from sqlalchemy.exc import DBAPIError

#: SQLSTATE classes and codes that say nothing about the statement: connection exceptions,
#: shutdown or start-up in progress, insufficient resources, serialization failures and deadlocks.
_TRANSIENT_STATES = ("08", "57P", "53", "40001", "40P01")


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(chain) < 8:
        seen.add(id(current))
        chain.append(current)
        orig = getattr(current, "orig", None)
        current = (
            orig if isinstance(orig, BaseException) else (current.__cause__ or current.__context__)
        )
    return chain


def is_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` means the database could not be reached or dropped the connection
    (worth retrying later), False when the statement itself was refused."""
    for cause in _causes(exc):
        if isinstance(cause, DBAPIError) and cause.connection_invalidated:
            return True
        if isinstance(cause, OSError | TimeoutError):
            return True
        if isinstance(cause, asyncpg.PostgresConnectionError):
            return True
        if isinstance(cause, asyncpg.InterfaceError) and "connection" in str(cause):
            return True
        state = getattr(cause, "sqlstate", None)
        if isinstance(state, str) and state.startswith(_TRANSIENT_STATES):
            return True
    return False
