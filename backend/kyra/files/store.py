"""Where file bytes live: a content-addressed store behind a small protocol.

Blobs are named by the SHA-256 of their content, so a file saved twice is stored once. The
disk store keeps them under ``<root>/ab/cd/<sha256>``; an object-storage store only has to
implement the same four methods.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from kyra.errors import FileTooLargeError

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: Bytes read or written per step; small enough to keep memory flat, large enough to be quick.
CHUNK_BYTES = 1 << 16


@dataclass(frozen=True)
class Blob:
    sha256: str
    size: int


class BlobStore(Protocol):
    """Stores and serves immutable blobs by content hash."""

    async def put(self, chunks: AsyncIterable[bytes], *, max_bytes: int) -> Blob:
        """Store the streamed content; raises :class:`FileTooLargeError` past ``max_bytes``."""
        ...

    def open(self, sha256: str) -> AbstractAsyncContextManager[BinaryIO]:
        """A readable, seekable file of the blob."""
        ...

    def read(self, sha256: str, *, size: int = CHUNK_BYTES) -> AsyncIterator[bytes]:
        """The blob in chunks."""
        ...

    async def exists(self, sha256: str) -> bool: ...


class DiskBlobStore:
    """Blobs as files under ``root``; writes go to a temporary file, then move in atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if not _SHA256.match(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    async def put(self, chunks: AsyncIterable[bytes], *, max_bytes: int) -> Blob:
        incoming = self.root / "incoming"
        await asyncio.to_thread(incoming.mkdir, parents=True, exist_ok=True)
        temporary = incoming / uuid.uuid4().hex
        digest, size = hashlib.sha256(), 0
        handle = await asyncio.to_thread(temporary.open, "wb")
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise FileTooLargeError(f"file is larger than {max_bytes} bytes")
                digest.update(chunk)
                await asyncio.to_thread(handle.write, chunk)
            await asyncio.to_thread(handle.close)
            blob = Blob(digest.hexdigest(), size)
            await asyncio.to_thread(self._move_in, temporary, self.path(blob.sha256))
            return blob
        finally:
            handle.close()
            await asyncio.to_thread(temporary.unlink, missing_ok=True)

    @staticmethod
    def _move_in(temporary: Path, final: Path) -> None:
        if final.exists():  # same content stored before: keep that copy
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temporary, final)

    @asynccontextmanager
    async def open(self, sha256: str) -> AsyncIterator[BinaryIO]:
        handle = await asyncio.to_thread(self.path(sha256).open, "rb")
        try:
            yield handle
        finally:
            handle.close()

    async def read(self, sha256: str, *, size: int = CHUNK_BYTES) -> AsyncIterator[bytes]:
        async with self.open(sha256) as handle:
            while chunk := await asyncio.to_thread(handle.read, size):
                yield chunk

    async def exists(self, sha256: str) -> bool:
        return await asyncio.to_thread(self.path(sha256).exists)
