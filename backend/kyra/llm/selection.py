"""Automatic model choice for ``model: auto`` (the seed's IntelligentLLMService), explained.

Score, per the seed: +10 for a recommended model, +5 when the prompt is long (over 4,000
tokens) and the model has at least 32k context, minus twice the input price per 1k tokens.
Models that cannot take the prompt or lack a capability the request needs are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from kyra.llm.catalogue import ModelInfo
from kyra.llm.errors import ModelNotFoundError

#: Bonus for a model the catalogue recommends.
RECOMMENDED_BONUS = 10.0
#: Bonus for a long-context model when the prompt is long.
LONG_CONTEXT_BONUS = 5.0
#: Prompts above this many tokens count as long.
LONG_PROMPT_TOKENS = 4000
#: Context length that counts as long.
LONG_CONTEXT_LENGTH = 32000
#: Penalty per USD of input price per 1k tokens.
COST_PENALTY = 2.0


@dataclass(frozen=True)
class Requirements:
    """What the request needs from a model."""

    prompt_tokens: int
    output_tokens: int = 0
    tools: bool = False
    vision: bool = False
    json_mode: bool = False

    def missing(self, model: ModelInfo) -> list[str]:
        """Reasons ``model`` cannot serve the request (empty when it can)."""
        if model.has("embeddings"):
            return ["an embeddings model, not a chat model"]
        reasons = [
            f"no {cap} support"
            for cap, needed in (("tools", self.tools), ("vision", self.vision))
            if needed and not model.has(cap)
        ]
        if self.json_mode and not model.has("json_mode"):
            reasons.append("no JSON mode")
        if self.prompt_tokens + self.output_tokens > model.context_length:
            reasons.append(f"context {model.context_length} too small")
        return reasons


@dataclass(frozen=True)
class ScoredModel:
    model: ModelInfo
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Selection:
    """The chosen model, every candidate's score, and a sentence saying why."""

    model: ModelInfo
    score: float
    explanation: str
    ranking: tuple[ScoredModel, ...]
    excluded: dict[str, list[str]]


def score_model(model: ModelInfo, prompt_tokens: int) -> ScoredModel:
    """The seed's heuristic score with the reasons behind each term."""
    score, reasons = 0.0, []
    if model.is_recommended:
        score += RECOMMENDED_BONUS
        reasons.append(f"recommended +{RECOMMENDED_BONUS:g}")
    if prompt_tokens > LONG_PROMPT_TOKENS and model.context_length >= LONG_CONTEXT_LENGTH:
        score += LONG_CONTEXT_BONUS
        reasons.append(f"long prompt and {model.context_length} context +{LONG_CONTEXT_BONUS:g}")
    penalty = float(model.input_cost_per_1k) * COST_PENALTY
    score -= penalty
    reasons.append(f"input ${model.input_cost_per_1k}/1k -{penalty:.6f}")
    return ScoredModel(model, score, tuple(reasons))


def select_model(models: list[ModelInfo], needs: Requirements) -> Selection:
    """Pick the best-scoring model that meets ``needs``; ties go to the cheaper model.

    Raises:
        ModelNotFoundError: no model meets the requirements.
    """
    excluded = {m.model_key: needs.missing(m) for m in models}
    excluded = {key: reasons for key, reasons in excluded.items() if reasons}
    eligible = [m for m in models if m.model_key not in excluded]
    if not eligible:
        raise ModelNotFoundError(
            "no model fits the request: "
            + "; ".join(f"{k}: {', '.join(r)}" for k, r in sorted(excluded.items()))
        )
    ranking = sorted(
        (score_model(m, needs.prompt_tokens) for m in eligible),
        key=lambda s: (-s.score, s.model.price.output_per_1k, s.model.model_key),
    )
    best = ranking[0]
    explanation = (
        f"{best.model.model_key} ({best.model.provider}) scored {best.score:.4f} of "
        f"{len(ranking)} eligible model(s) for a ~{needs.prompt_tokens}-token prompt: "
        + ", ".join(best.reasons)
        + (f"; {len(excluded)} excluded" if excluded else "")
    )
    return Selection(best.model, best.score, explanation, tuple(ranking), excluded)
