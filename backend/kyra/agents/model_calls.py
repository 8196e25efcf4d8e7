"""Model calls of one agent node attempt: a RunLLM per step, sharing one catalogue lookup.

Each model call is booked to its own step (node run), so it needs its own :class:`RunLLM`; the
models and provider keys it resolves against are the same for the whole attempt, so they are
read once instead of once per call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kyra.llm.catalogue import ModelInfo
from kyra.services.llm import RunLLM


@dataclass
class Catalogue:
    """The models and providers one attempt resolves against, read by its first call."""

    models: list[ModelInfo] | None = None
    providers: dict[Any, Any] = field(default_factory=dict)


class StepLLM(RunLLM):
    """A :class:`RunLLM` whose catalogue lookup is shared through a :class:`Catalogue`."""

    def __init__(self, *, catalogue: Catalogue, **options: Any) -> None:
        super().__init__(**options)
        self._catalogue = catalogue

    async def models(self) -> list[ModelInfo]:
        if self._catalogue.models is None:
            self._catalogue.models = await super().models()
            self._catalogue.providers = self._providers
        self._models = self._catalogue.models
        self._providers = self._catalogue.providers
        return self._models
