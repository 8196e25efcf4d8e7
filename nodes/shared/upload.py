"""What upload nodes share: the file or text they send (a stored file is streamed from
``ctx.files``, never whole in memory), and reading it as consecutive segments for the chunked
protocols of services (Drive's resumable uploads, Dropbox's upload sessions)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from kyra.context import FileRef, NodeContext, is_file_ref
from kyra.errors import NodeError
from kyra_nodes.shared.items import response_body


class SourceParams(BaseModel):
    """The file or text an upload node sends."""

    file: dict[str, Any] | None = Field(
        None, description='A file reference {"$file": …}; else content, else the file on in'
    )
    content: str | None = Field(None, description="Text to upload instead of a file")


@dataclass(frozen=True)
class Source:
    """A stored file (``ref``) or a text (``text``), with its size, name and type."""

    size: int
    name: str
    mime: str
    ref: FileRef | None = None
    text: bytes = b""

    def reader(self, ctx: NodeContext) -> ByteReader:
        """A reader from the first byte (one per attempt: it goes only forward)."""
        return ByteReader(ctx.files.chunks(self.ref) if self.ref else _once(self.text))


async def source_of(ctx: NodeContext, params: SourceParams, inputs: dict[str, Any]) -> Source:
    """The file param, else the content param, else the file on ``in`` (an ``HTTP.request``
    download included).

    Raises:
        NodeError: neither is given, or ``file`` is not a file reference.
    """
    ref = params.file or (response_body(inputs.get("in")) if params.content is None else None)
    if ref is not None:
        if not is_file_ref(ref):
            raise NodeError('file: expected a file reference {"$file": …}', retryable=False)
        stored = await ctx.files.describe(ref)
        return Source(stored["size"], stored["name"], stored["mime"], ref=stored)
    if params.content is None:
        raise NodeError("file: give a file reference or content", retryable=False)
    text = params.content.encode()
    return Source(len(text), "", "text/plain", text=text)


class ByteReader:
    """A stream of chunks read as consecutive segments of exact sizes, holding at most one
    chunk: ``segment(n)`` is the body of one request of a chunked upload."""

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self._chunks = chunks
        self._held = b""

    async def read(self, most: int) -> bytes:
        """Up to ``most`` bytes; ``b""`` at the end."""
        if not self._held:
            self._held = await anext(self._chunks, b"")
        piece, self._held = self._held[:most], self._held[most:]
        return piece

    async def segment(self, length: int) -> AsyncIterator[bytes]:
        """The next ``length`` bytes, in chunks.

        Raises:
            NodeError: the stream ended first (the stored file is shorter than its size).
        """
        while length > 0:
            piece = await self.read(length)
            if not piece:
                raise NodeError("the file ended before its recorded size", retryable=False)
            length -= len(piece)
            yield piece

    async def skip(self, length: int) -> None:
        """Pass over ``length`` bytes (the part a service already has)."""
        async for _ in self.segment(length):
            pass


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data
