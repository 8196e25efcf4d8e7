"""Automatic selection (``model: auto``) and recommendations over the shipped catalogue."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kyra.llm.catalogue import ModelInfo, shipped_models
from kyra.llm.errors import ModelNotFoundError
from kyra.llm.pricing import Price
from kyra.llm.recommendation import BudgetTier, UseCase, recommend, typical_call_cost
from kyra.llm.selection import Requirements, score_model, select_model


def _model(
    key: str, *, rec: bool = False, ctx: int = 8192, price: str = "0.001", **caps: object
) -> ModelInfo:
    return ModelInfo(
        model_key=key,
        provider="p",
        provider_kind="openai",
        context_length=ctx,
        max_output_tokens=4096,
        price=Price.of(price, price),
        capabilities={"tools": True, "json_mode": True, **caps},
        is_recommended=rec,
    )


def test_the_seed_score_adds_recommended_and_long_context_and_subtracts_price() -> None:
    model = _model("m", rec=True, ctx=128_000, price="0.5")

    assert score_model(model, prompt_tokens=100).score == pytest.approx(10 - 1.0)
    assert score_model(model, prompt_tokens=5000).score == pytest.approx(10 + 5 - 1.0)


def test_auto_prefers_a_recommended_model_over_a_cheaper_one() -> None:
    models = [_model("cheap", price="0.0001"), _model("good", rec=True, price="0.002")]

    selection = select_model(models, Requirements(prompt_tokens=50))

    assert selection.model.model_key == "good"
    assert "recommended +10" in selection.explanation
    assert [s.model.model_key for s in selection.ranking] == ["good", "cheap"]


def test_a_long_prompt_prefers_a_long_context_model() -> None:
    models = [_model("short", rec=True, ctx=16_000), _model("long", rec=True, ctx=200_000)]

    assert select_model(models, Requirements(prompt_tokens=3000)).model.model_key in {
        "short",
        "long",
    }
    long_pick = select_model(models, Requirements(prompt_tokens=6000))
    assert long_pick.model.model_key == "long"
    assert "long prompt" in long_pick.explanation


def test_models_missing_a_needed_capability_or_context_are_excluded_with_reasons() -> None:
    models = [
        _model("blind", rec=True),
        _model("tiny", ctx=1000, vision=True),
        _model("seeing", vision=True, ctx=100_000),
    ]

    selection = select_model(models, Requirements(prompt_tokens=2000, vision=True))

    assert selection.model.model_key == "seeing"
    assert selection.excluded == {
        "blind": ["no vision support"],
        "tiny": ["context 1000 too small"],
    }


def test_no_fitting_model_is_an_error_naming_why() -> None:
    with pytest.raises(ModelNotFoundError, match="blind: no vision support"):
        select_model([_model("blind")], Requirements(prompt_tokens=10, vision=True))


def test_auto_over_the_shipped_catalogue_picks_the_cheapest_recommended_model() -> None:
    selection = select_model(shipped_models(date(2025, 12, 1)), Requirements(prompt_tokens=200))

    assert selection.model.model_key == "gpt-4o-mini"


def test_shipped_prices_are_dated() -> None:
    before = {m.model_key: m for m in shipped_models(date(2025, 5, 1))}
    after = {m.model_key: m for m in shipped_models(date(2025, 7, 1))}

    assert before["o3"].price == Price.of("0.01", "0.04")
    assert after["o3"].price == Price.of("0.002", "0.008")
    assert "gpt-5" not in before and "claude-sonnet-4-20250514" not in before


@pytest.mark.parametrize("use_case", list(UseCase))
def test_low_budget_recommendations_cost_under_a_cent_per_typical_call(use_case: UseCase) -> None:
    ranked = recommend(shipped_models(date(2025, 12, 1)), use_case, BudgetTier.low)

    assert ranked
    assert all(r.typical_call_usd < Decimal("0.01") for r in ranked)
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)


def test_multimodal_recommendations_all_see_images() -> None:
    ranked = recommend(
        shipped_models(date(2025, 12, 1)), UseCase.multimodal, BudgetTier.high, limit=20
    )

    assert ranked and all(r.model.has("vision") for r in ranked)
    assert "o3-mini" not in {r.model.model_key for r in ranked}


def test_recommendation_weights_use_case_cost_performance_and_recommended() -> None:
    strong = _model("strong", price="0.004", performance=1.0, use_cases={"reasoning": 1.0})
    cheap = _model("cheap", rec=True, price="0.0001", performance=0.2, use_cases={"reasoning": 0.2})

    ranked = recommend([strong, cheap], UseCase.reasoning, BudgetTier.low)

    # strong: 0.30*1.0 + 0.25*(1 - 0.006/0.01) + 0.25*1.0 + 0 = 0.65
    # cheap:  0.30*0.2 + 0.25*(1 - 0.00015/0.01) + 0.25*0.2 + 0.20 = 0.55625
    assert [(r.model.model_key, r.score) for r in ranked] == [("strong", 0.65), ("cheap", 0.55625)]
    assert ranked[0].explanation.startswith("strong: 0.650 = use_case 0.300 + cost 0.100")
    assert typical_call_cost(strong) == Decimal("0.006000")


def test_a_tier_no_model_fits_gives_no_recommendation() -> None:
    assert recommend([_model("pricey", price="1")], UseCase.general, BudgetTier.medium) == []
