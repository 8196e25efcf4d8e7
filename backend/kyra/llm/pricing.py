"""Cost arithmetic in Decimal (6 decimals, USD) and a local token estimator.

Prices are USD per 1,000 tokens. The estimator is used only when a provider's stream omits
usage and to size budget reservations before a call; reported usage always wins.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from kyra.context.llm import ChatMessage

#: Costs are stored and compared with this many decimals (the ledger's NUMERIC(12, 6)).
MICRO = Decimal("0.000001")
_THOUSAND = Decimal(1000)

#: Average characters per token of English text with the GPT/Claude BPE vocabularies.
CHARS_PER_TOKEN = 4.0
#: Reservations assume denser text than average (code, non-English), so they rarely undershoot.
RESERVE_CHARS_PER_TOKEN = 3.0
#: Framing tokens per message (role markers, separators), per the OpenAI cookbook's counting.
TOKENS_PER_MESSAGE = 4
#: Tokens that prime the assistant's reply.
REPLY_PRIMING_TOKENS = 3
#: Upper estimate for one image part (both providers cap a resized image near this).
IMAGE_TOKENS = 1600


@dataclass(frozen=True)
class Price:
    """A model's price in USD per 1,000 input and output tokens."""

    input_per_1k: Decimal
    output_per_1k: Decimal

    @classmethod
    def of(cls, input_per_1k: Any, output_per_1k: Any) -> Price:
        return cls(Decimal(str(input_per_1k)), Decimal(str(output_per_1k)))

    def exact(self, input_tokens: int, output_tokens: int) -> Decimal:
        """Unrounded cost of the given token counts."""
        raw = input_tokens * self.input_per_1k + output_tokens * self.output_per_1k
        return raw / _THOUSAND


def cost_usd(price: Price, input_tokens: int, output_tokens: int) -> Decimal:
    """Cost of a call, rounded half-up to 6 decimals."""
    return price.exact(input_tokens, output_tokens).quantize(MICRO, rounding=ROUND_HALF_UP)


def max_cost_usd(price: Price, input_tokens: int, output_tokens: int) -> Decimal:
    """Worst-case cost for a reservation, rounded up so it never undershoots the real cost."""
    return price.exact(input_tokens, output_tokens).quantize(MICRO, rounding=ROUND_CEILING)


def estimate_tokens(text: str, *, chars_per_token: float = CHARS_PER_TOKEN) -> int:
    """Tokens in ``text``: characters over ``chars_per_token``, rounded up."""
    return math.ceil(len(text) / chars_per_token) if text else 0


def estimate_prompt_tokens(
    messages: Iterable[ChatMessage],
    tools: list[dict[str, Any]] | None = None,
    *,
    chars_per_token: float = CHARS_PER_TOKEN,
) -> int:
    """Tokens of a whole prompt: message texts, tool calls, tool schemas and framing."""
    total = REPLY_PRIMING_TOKENS
    for message in messages:
        text = _message_text(message)
        total += TOKENS_PER_MESSAGE + estimate_tokens(text, chars_per_token=chars_per_token)
        total += IMAGE_TOKENS * _image_count(message)
    if tools:
        total += estimate_tokens(json.dumps(tools), chars_per_token=chars_per_token)
    return total


def _message_text(message: ChatMessage) -> str:
    parts = [message.text]
    for call in message.tool_calls or []:
        parts += [call.function.name, call.function.arguments]
    return "".join(parts)


def _image_count(message: ChatMessage) -> int:
    if not isinstance(message.content, list):
        return 0
    return sum(1 for part in message.content if part.get("type") in ("image_url", "image"))
