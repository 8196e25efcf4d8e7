"""Catalogue entries as plain data, and the shipped catalogue file (``kyra/data``).

The service maps database rows to :class:`ModelInfo` so selection and recommendation stay pure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any
from uuid import UUID

from kyra.llm.pricing import Price


@dataclass(frozen=True)
class ModelInfo:
    """What selection, recommendation and budgeting need to know about one model."""

    model_key: str
    provider: str
    provider_kind: str
    context_length: int
    max_output_tokens: int
    price: Price
    capabilities: dict[str, Any] = field(default_factory=dict)
    is_recommended: bool = False
    model_id: UUID | None = None
    provider_id: UUID | None = None

    def has(self, capability: str) -> bool:
        """True when the catalogue marks ``capability`` (tools, vision, json_mode …) supported."""
        return bool(self.capabilities.get(capability))

    def use_case_score(self, use_case: str) -> float:
        """Catalogue fitness for ``use_case`` in [0, 1]; 0.5 when the catalogue says nothing."""
        return float((self.capabilities.get("use_cases") or {}).get(use_case, 0.5))

    @property
    def performance(self) -> float:
        """Catalogue quality index in [0, 1]; 0.5 when unknown."""
        return float(self.capabilities.get("performance", 0.5))

    def answers_to(self, key: str) -> bool:
        """True for the model key itself and for its aliases (``claude-sonnet-4`` …)."""
        return key == self.model_key or key in (self.capabilities.get("aliases") or [])

    @property
    def input_cost_per_1k(self) -> Decimal:
        return self.price.input_per_1k


@lru_cache(maxsize=1)
def shipped_catalogue() -> dict[str, Any]:
    """The catalogue file shipped with the package (providers, models, dated prices)."""
    text = resources.files("kyra").joinpath("data/llm_catalogue.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def shipped_models(day: date | None = None) -> list[ModelInfo]:
    """The shipped catalogue as :class:`ModelInfo`, priced as of ``day`` (today)."""
    day = day or date.today()
    models = []
    for provider in shipped_catalogue()["providers"]:
        for entry in provider["models"]:
            prices = [p for p in entry["prices"] if date.fromisoformat(p["effective_from"]) <= day]
            if not prices:
                continue
            latest = max(prices, key=lambda p: p["effective_from"])
            models.append(
                ModelInfo(
                    model_key=entry["model_key"],
                    provider=provider["name"],
                    provider_kind=provider["provider_key"],
                    context_length=entry["context_length"],
                    max_output_tokens=entry["max_output_tokens"],
                    price=Price.of(latest["input_cost_per_1k"], latest["output_cost_per_1k"]),
                    capabilities=entry["capabilities"],
                    is_recommended=entry["is_recommended"],
                )
            )
    return models
