"""``buffer``: session windows in this process's memory (one process, tests, ``direct`` runs)."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kyra.memory.backends import register_backend
from kyra.memory.backends.base import BackendResources, SessionInfo

#: Keys remembered per session to skip repeated appends (a resumed step).
_KEYS_KEPT = 1000


@dataclass
class _Session:
    messages: list[dict[str, Any]] = field(default_factory=list)
    keys: OrderedDict[str, None] = field(default_factory=OrderedDict)
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))


#: Shared by every buffer backend of the process, as the API and a worker thread pool would be.
_SESSIONS: dict[tuple[uuid.UUID, str], _Session] = {}


@register_backend("buffer", role="short")
class BufferWindow:
    """Windows kept in a process-wide dict: other processes never see them."""

    def __init__(self, resources: BackendResources) -> None:
        self._sessions = _SESSIONS

    async def load(self, agent_id: uuid.UUID, session_id: str, limit: int) -> list[dict[str, Any]]:
        session = self._sessions.get((agent_id, session_id))
        if session is None or limit <= 0:
            return []
        return [dict(m) for m in session.messages[-limit:]]

    async def append(
        self,
        agent_id: uuid.UUID,
        session_id: str,
        entries: list[tuple[str, dict[str, Any]]],
        *,
        window: int,
    ) -> None:
        session = self._sessions.setdefault((agent_id, session_id), _Session())
        for key, message in entries:
            if key in session.keys:
                continue
            session.keys[key] = None
            session.messages.append(dict(message))
        while len(session.keys) > _KEYS_KEPT:
            session.keys.popitem(last=False)
        del session.messages[: max(0, len(session.messages) - window)]
        session.updated_at = datetime.now(UTC)

    async def sessions(self, agent_id: uuid.UUID) -> list[SessionInfo]:
        found = [
            SessionInfo(session_id, len(s.messages), s.updated_at)
            for (owner, session_id), s in self._sessions.items()
            if owner == agent_id
        ]
        return sorted(found, key=lambda s: s.updated_at or datetime.min, reverse=True)

    async def clear(self, agent_id: uuid.UUID, session_id: str | None = None) -> None:
        for key in [k for k in self._sessions if k[0] == agent_id]:
            if session_id is None or key[1] == session_id:
                del self._sessions[key]

    async def close(self) -> None:
        return None
