"""Cost arithmetic to 6 decimals against hand-computed values, and the token estimator."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kyra.context.llm import ChatMessage
from kyra.llm.pricing import (
    IMAGE_TOKENS,
    REPLY_PRIMING_TOKENS,
    TOKENS_PER_MESSAGE,
    Price,
    cost_usd,
    estimate_prompt_tokens,
    estimate_tokens,
    max_cost_usd,
)

GPT_4O = Price.of("0.0025", "0.01")
GPT_4O_MINI = Price.of("0.00015", "0.0006")
SONNET = Price.of("0.003", "0.015")


@pytest.mark.parametrize(
    ("price", "tokens", "expected"),
    [
        # 1234 * 0.0025 / 1000 = 0.003085 ; 567 * 0.01 / 1000 = 0.00567
        (GPT_4O, (1234, 567), "0.008755"),
        # 1 * 0.00015 / 1000 = 0.00000015 ; 1 * 0.0006 / 1000 = 0.0000006 → 0.00000075 → 0.000001
        (GPT_4O_MINI, (1, 1), "0.000001"),
        # 333 * 0.00015 / 1000 = 0.00004995 → 0.000050 (half up)
        (GPT_4O_MINI, (333, 0), "0.000050"),
        # 200000 * 0.003 / 1000 = 0.6 ; 64000 * 0.015 / 1000 = 0.96
        (SONNET, (200_000, 64_000), "1.560000"),
        (SONNET, (0, 0), "0.000000"),
    ],
)
def test_cost_is_priced_per_1k_tokens_and_rounded_to_6_decimals(
    price: Price, tokens: tuple[int, int], expected: str
) -> None:
    cost = cost_usd(price, *tokens)

    assert cost == Decimal(expected)
    assert cost.as_tuple().exponent == -6


def test_reservations_round_up_and_never_undershoot_the_cost() -> None:
    # 1 token of gpt-4o-mini input is 0.00000015 USD: charged 0.000000, reserved 0.000001.
    assert cost_usd(GPT_4O_MINI, 1, 0) == Decimal("0.000000")
    assert max_cost_usd(GPT_4O_MINI, 1, 0) == Decimal("0.000001")
    for tokens in [(7, 3), (999, 1), (12345, 6789)]:
        assert max_cost_usd(GPT_4O_MINI, *tokens) >= cost_usd(GPT_4O_MINI, *tokens)


def test_prices_from_floats_keep_their_decimal_text() -> None:
    assert Price.of(0.1, 0.3) == Price(Decimal("0.1"), Decimal("0.3"))


def test_tokens_are_estimated_at_four_characters_each() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2
    assert estimate_tokens("x" * 300, chars_per_token=3) == 100


def test_a_prompt_counts_framing_text_tool_calls_and_images() -> None:
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    messages = [
        ChatMessage(role="user", content="x" * 40),
        ChatMessage(role="user", content=[{"type": "text", "text": "y" * 8}, image]),
    ]

    tokens = estimate_prompt_tokens(messages)

    assert tokens == REPLY_PRIMING_TOKENS + 2 * TOKENS_PER_MESSAGE + 10 + 2 + IMAGE_TOKENS
