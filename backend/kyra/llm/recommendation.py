"""Model recommendation by use case and budget tier (the seed's ModelRecommendationService).

Weighted score in [0, 1]: 30% use-case fit, 25% cost, 25% performance (catalogue indexes) and
the remaining 20% for models the catalogue recommends. Cost is the price of a typical call
(1,000 input + 500 output tokens) relative to the tier's ceiling; models above it are excluded.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from kyra.llm.catalogue import ModelInfo
from kyra.llm.pricing import cost_usd


class UseCase(StrEnum):
    general = "general"
    code_generation = "code_generation"
    reasoning = "reasoning"
    multimodal = "multimodal"


class BudgetTier(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


#: Ceiling of a typical call's cost per tier; ``high`` has none.
TIER_CEILING: dict[BudgetTier, Decimal | None] = {
    BudgetTier.low: Decimal("0.01"),
    BudgetTier.medium: Decimal("0.10"),
    BudgetTier.high: None,
}
#: The typical call a tier is measured against.
TYPICAL_INPUT_TOKENS = 1000
TYPICAL_OUTPUT_TOKENS = 500

WEIGHT_USE_CASE = 0.30
WEIGHT_COST = 0.25
WEIGHT_PERFORMANCE = 0.25
WEIGHT_RECOMMENDED = 0.20


@dataclass(frozen=True)
class Recommendation:
    """One ranked model with its score parts and an explanation."""

    model: ModelInfo
    score: float
    components: dict[str, float]
    typical_call_usd: Decimal
    explanation: str


def typical_call_cost(model: ModelInfo) -> Decimal:
    """Cost of a typical call (see module docstring) at the model's price."""
    return cost_usd(model.price, TYPICAL_INPUT_TOKENS, TYPICAL_OUTPUT_TOKENS)


def recommend(
    models: list[ModelInfo], use_case: UseCase, budget: BudgetTier, *, limit: int = 5
) -> list[Recommendation]:
    """Rank the models fit for ``use_case`` within ``budget``, best first."""
    chat = [m for m in models if not m.has("embeddings")]
    fit = [m for m in chat if use_case != UseCase.multimodal or m.has("vision")]
    ceiling = TIER_CEILING[budget]
    costs = {m.model_key: typical_call_cost(m) for m in fit}
    within = [m for m in fit if ceiling is None or costs[m.model_key] < ceiling]
    if not within:
        return []
    scale = ceiling or max(costs[m.model_key] for m in within) or Decimal(1)
    ranked = [_recommendation(m, use_case, costs[m.model_key], scale) for m in within]
    ranked.sort(key=lambda r: (-r.score, r.typical_call_usd, r.model.model_key))
    return ranked[:limit]


def _recommendation(
    model: ModelInfo, use_case: UseCase, cost: Decimal, scale: Decimal
) -> Recommendation:
    parts = {
        "use_case": WEIGHT_USE_CASE * model.use_case_score(use_case),
        "cost": WEIGHT_COST * max(0.0, 1.0 - float(cost / scale)),
        "performance": WEIGHT_PERFORMANCE * model.performance,
        "recommended": WEIGHT_RECOMMENDED if model.is_recommended else 0.0,
    }
    score = sum(parts.values())
    explanation = (
        f"{model.model_key}: {score:.3f} = "
        + " + ".join(f"{name} {value:.3f}" for name, value in parts.items())
        + f"; a typical call costs ${cost}"
    )
    return Recommendation(model, round(score, 6), parts, cost, explanation)
