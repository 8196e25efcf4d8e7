"""Binary data between nodes: stored once, passed on as a reference."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any, BinaryIO, Protocol, TypedDict

#: How a stored file travels between nodes: never its bytes, only this reference. ``$file`` is
#: the file's id; ``name``, ``mime`` and ``size`` are for people and for the next node.
FileRef = TypedDict("FileRef", {"$file": str, "name": str, "mime": str, "size": int})


def is_file_ref(value: Any) -> bool:
    """True for a ``{"$file": id, ...}`` reference."""
    return isinstance(value, dict) and isinstance(value.get("$file"), str)


class Files(Protocol):
    """Binary data of the run's owner: stored once (by content), passed on as a :data:`FileRef`.

    Files are streamed in and out in chunks, so a handler never needs a whole file in memory.
    """

    async def save(
        self, content: bytes | AsyncIterable[bytes], *, name: str, mime: str = ""
    ) -> FileRef:
        """Store ``content`` and return its reference (``mime`` is guessed from ``name``)."""

    def open(self, ref: Mapping[str, Any]) -> AbstractAsyncContextManager[BinaryIO]:
        """A readable, seekable binary file for ``ref`` (``async with ctx.files.open(ref)``).

        Raises:
            NodeError: ``ref`` is not a file reference, or not a file of this owner.
        """

    def chunks(self, ref: Mapping[str, Any], *, size: int = 1 << 16) -> AsyncIterator[bytes]:
        """The content of ``ref`` in chunks of at most ``size`` bytes."""

    async def describe(self, ref: Mapping[str, Any]) -> FileRef:
        """The stored facts of ``ref`` (the reference a node received may be hand-written)."""
