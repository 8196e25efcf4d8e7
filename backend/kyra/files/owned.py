"""``ctx.files`` for one node run: the owner's files, saved to and read from the blob store."""

from __future__ import annotations

import mimetypes
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import PurePosixPath
from typing import Any, BinaryIO

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kyra.context import FileRef, is_file_ref
from kyra.db.models import StoredFile
from kyra.db.queries import files as queries
from kyra.errors import NodeError
from kyra.files.store import CHUNK_BYTES, BlobStore

_NAME_LIMIT = 255


def file_ref(stored: StoredFile) -> FileRef:
    return {"$file": str(stored.id), "name": stored.name, "mime": stored.mime, "size": stored.size}


def clean_name(name: str) -> str:
    """A file name without folders or control characters (it ends up in download headers)."""
    base = PurePosixPath(name.replace("\\", "/")).name
    printable = "".join(ch for ch in base if ch.isprintable()).strip()
    return printable[:_NAME_LIMIT] or "file"


class OwnerFiles:
    """The :class:`kyra.context.Files` of one owner, recording which run and node saved what."""

    def __init__(
        self,
        store: BlobStore,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        owner_id: uuid.UUID,
        run_id: uuid.UUID | None,
        node_id: str | None,
        max_bytes: int,
    ) -> None:
        self._store = store
        self._sessions = session_factory
        self._owner_id = owner_id
        self._run_id = run_id
        self._node_id = node_id
        self._max_bytes = max_bytes

    async def save(
        self, content: bytes | AsyncIterable[bytes], *, name: str, mime: str = ""
    ) -> FileRef:
        chunks = _one_chunk(content) if isinstance(content, bytes) else content
        blob = await self._store.put(chunks, max_bytes=self._max_bytes)
        name = clean_name(name)
        mime = mime.split(";")[0].strip() or mimetypes.guess_type(name)[0] or ""
        stored = StoredFile(
            owner_id=self._owner_id,
            sha256=blob.sha256,
            size=blob.size,
            name=name,
            mime=(mime or "application/octet-stream")[:_NAME_LIMIT],
            run_id=self._run_id,
            node_id=self._node_id,
        )
        async with self._sessions() as session:
            await queries.add_file(session, stored)
            await session.commit()
        return file_ref(stored)

    @asynccontextmanager
    async def open(self, ref: Mapping[str, Any]) -> AsyncIterator[BinaryIO]:
        stored = await self._stored(ref)
        async with self._store.open(stored.sha256) as handle:
            yield handle

    async def chunks(
        self, ref: Mapping[str, Any], *, size: int = CHUNK_BYTES
    ) -> AsyncIterator[bytes]:
        stored = await self._stored(ref)
        async for chunk in self._store.read(stored.sha256, size=size):
            yield chunk

    async def describe(self, ref: Mapping[str, Any]) -> FileRef:
        return file_ref(await self._stored(ref))

    async def _stored(self, ref: Mapping[str, Any]) -> StoredFile:
        if not is_file_ref(ref):
            raise NodeError('expected a file reference {"$file": id, …}')
        file_id = str(ref["$file"])
        try:
            key = uuid.UUID(file_id)
        except ValueError:
            raise NodeError(f"file {file_id!r} not found") from None
        async with self._sessions() as session:
            stored = await queries.get_file(session, owner_id=self._owner_id, file_id=key)
        if stored is None:
            raise NodeError(f"file {file_id} not found")
        return stored


async def _one_chunk(content: bytes) -> AsyncIterator[bytes]:
    yield content
