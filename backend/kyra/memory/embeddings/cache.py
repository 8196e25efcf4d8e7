"""A process-wide LRU cache of embeddings by model and text (the same goal, fact or query
embedded again costs nothing)."""

from __future__ import annotations

import threading
from collections import OrderedDict

from kyra.memory.embeddings.base import Embedder

#: Vectors kept per process (384 floats are ~3 KB as a tuple; 1536 about 12 KB).
DEFAULT_CAPACITY = 4096


class EmbeddingCache:
    """Least recently used vectors by ``(model, text)``; thread-safe, with hit counters."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[str, str], tuple[float, ...]] = OrderedDict()
        self.capacity = capacity
        self.hits = 0
        self.misses = 0

    def get(self, model: str, text: str) -> list[float] | None:
        with self._lock:
            found = self._items.get((model, text))
            if found is None:
                self.misses += 1
                return None
            self._items.move_to_end((model, text))
            self.hits += 1
            return list(found)

    def put(self, model: str, text: str, vector: list[float]) -> None:
        with self._lock:
            self._items[(model, text)] = tuple(vector)
            self._items.move_to_end((model, text))
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)


class CachedEmbedder:
    """An :class:`Embedder` that asks its model only for the texts the cache lacks."""

    def __init__(self, inner: Embedder, cache: EmbeddingCache) -> None:
        self._inner = inner
        self._cache = cache

    @property
    def name(self) -> str:
        return self._inner.name

    async def embed(self, texts: list[str]) -> list[list[float]]:
        found = {t: self._cache.get(self.name, t) for t in dict.fromkeys(texts)}
        missing = [t for t, v in found.items() if v is None]
        if missing:
            for text, vector in zip(missing, await self._inner.embed(missing), strict=True):
                self._cache.put(self.name, text, vector)
                found[text] = vector
        return [list(found[t] or ()) for t in texts]
