"""Column helpers shared by the table modules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Table
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import SQLModel


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a table model, for statements that skip the ORM."""
    # SQLAlchemy's declarative machinery sets __table__; sqlmodel's types do not declare it.
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


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
