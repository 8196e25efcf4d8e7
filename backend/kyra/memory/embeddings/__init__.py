"""Embedding providers behind one interface (:class:`Embedder`), with an LRU cache."""

from __future__ import annotations

from typing import Any

from kyra.memory.embeddings.base import Embedder
from kyra.memory.embeddings.cache import CachedEmbedder, EmbeddingCache
from kyra.memory.embeddings.local import LocalEmbedder, LocalModelMissingError, shared_model
from kyra.memory.embeddings.remote import ProviderEmbedder
from kyra.memory.schema import LOCAL_MODEL, EmbeddingConfig

__all__ = [
    "CachedEmbedder",
    "Embedder",
    "EmbeddingCache",
    "LocalModelMissingError",
    "build_embedder",
]


def build_embedder(
    config: EmbeddingConfig, *, llm: Any, cache: EmbeddingCache, threads: int | None = None
) -> Embedder:
    """The cached embedder ``config`` names; ``llm`` (a RunLLM) books calls and usage."""
    inner: Embedder
    if config.provider == "local":
        if config.model != LOCAL_MODEL:
            raise LocalModelMissingError(
                f"the local provider has only {LOCAL_MODEL!r}, not {config.model!r}"
            )
        inner = LocalEmbedder(shared_model(threads), llm)
    else:
        inner = ProviderEmbedder(
            llm, provider=config.provider, model=config.model, dimensions=config.dimensions
        )
    return CachedEmbedder(inner, cache)
