"""The embedding interface: texts in, one vector per text out, with usage logged."""

from __future__ import annotations

from typing import Protocol


class Embedder(Protocol):
    """One embedding model; ``name`` is stored beside each vector (only vectors of the same
    model are compared)."""

    @property
    def name(self) -> str:
        """Provider and model, e.g. ``local/all-MiniLM-L6-v2``."""

    async def embed(self, texts: list[str]) -> list[list[float]]:
        """Vectors of ``texts``, in order."""
