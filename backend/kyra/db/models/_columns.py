"""Column helpers shared by the table modules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime
from sqlalchemy.dialects.postgresql import JSONB


def utcnow() -> datetime:
    return datetime.now(UTC)


def jsonb_column(*, nullable: bool = True, default: Any = None) -> Any:
    """A JSONB column (SQLModel needs a fresh Column object per field)."""
    return Column(JSONB, nullable=nullable, default=default)


def timestamp_column(*, nullable: bool = False, index: bool = False, onupdate: bool = False) -> Any:
    return Column(
        DateTime(timezone=True),
        nullable=nullable,
        index=index,
        default=utcnow if not nullable else None,
        onupdate=utcnow if onupdate else None,
    )
