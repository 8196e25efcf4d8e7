"""An agent's memories and conversation sessions as the API answers them."""

from __future__ import annotations

from typing import Any

from kyra.api.schemas.base import Omitted, ReadModel, Timestamp
from kyra.memory.backends.base import MemoryRecord, SessionInfo

__all__ = ["MemoryRead", "SessionRead", "SessionWindowRead"]


class MemoryRead(ReadModel):
    """A memory; the fields of other kinds, and search scores outside a search, are left out."""

    id: int
    kind: str
    content: str
    importance: float
    metadata: dict[str, Any]
    occurred_at: Timestamp
    created_at: Timestamp
    key: str | None = Omitted("Core facts: the fact's name")
    subject: str | None = Omitted("Semantic facts")
    relation: str | None = Omitted("Semantic facts")
    object: str | None = Omitted("Semantic facts")
    session_id: str | None = Omitted("The session the memory came from")
    score: float | None = Omitted("Searches: how well it matched")
    strategy: str | None = Omitted("Searches: the strategy that found it")
    matched_by: list[str] | None = Omitted("Fused searches: the strategies that found it")

    @classmethod
    def of(cls, record: MemoryRecord) -> MemoryRead:
        return cls.model_validate(record.as_dict())


class SessionRead(ReadModel):
    session_id: str
    messages: int
    updated_at: Timestamp | None

    @classmethod
    def of(cls, session: SessionInfo) -> SessionRead:
        return cls(
            session_id=session.session_id,
            messages=session.messages,
            updated_at=session.updated_at,
        )


class SessionWindowRead(ReadModel):
    """The messages an agent's next run in the session will be shown."""

    session_id: str
    window: int
    backend: str
    messages: list[dict[str, Any]]
