"""Stored files as the API answers them: the reference nodes pass on, plus its provenance."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import Field

from kyra.api.schemas.base import ReadModel, Timestamp
from kyra.db.models import StoredFile
from kyra.files.owned import file_ref

__all__ = ["FileRead", "FileRef"]


class FileRef(ReadModel):
    """A file as graphs pass it around: ``{"$file": id, name, mime, size}``."""

    file: uuid.UUID = Field(alias="$file", description="The file's id")
    name: str
    mime: str
    size: int

    @classmethod
    def of(cls, ref: Any) -> FileRef:
        """The model of a ``FileRef`` mapping."""
        return cls.model_validate(dict(ref))


class FileRead(FileRef):
    """A file's reference with its digest and the run and node that made it, if any."""

    sha256: str
    run_id: uuid.UUID | None
    node_id: str | None
    created_at: Timestamp

    @classmethod
    def of_row(cls, stored: StoredFile) -> FileRead:
        return cls.model_validate(
            {
                **file_ref(stored),
                "sha256": stored.sha256,
                "run_id": stored.run_id,
                "node_id": stored.node_id,
                "created_at": stored.created_at,
            }
        )
