"""Embeddings from an LLM provider's ``/v1/embeddings`` (OpenAI or any compatible server),
through :class:`~kyra.services.llm.RunLLM`: priced, logged and held to the run's budget."""

from __future__ import annotations

from typing import Any


class ProviderEmbedder:
    """``model`` of the LLM provider named ``provider`` (``llm_providers.name``)."""

    def __init__(self, llm: Any, *, provider: str, model: str, dimensions: int | None) -> None:
        self._llm = llm
        self._provider = provider
        self._model = model
        self._dimensions = dimensions

    @property
    def name(self) -> str:
        suffix = f"@{self._dimensions}" if self._dimensions else ""
        return f"{self._provider}/{self._model}{suffix}"

    async def embed(self, texts: list[str]) -> list[list[float]]:
        response = await self._llm.embed(
            texts, model=self._model, provider=self._provider, dimensions=self._dimensions
        )
        vectors: list[list[float]] = response.vectors
        return vectors
