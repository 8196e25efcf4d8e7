"""Errors of the LLM layer, all node errors so the engine reports them on the node run.

Our exception hierarchy (under ``kyra.errors.NodeError``)::

    LLMError                  a model call could not be made or failed
    ├── ProviderError         the provider answered an error (retryable for 429/5xx/network)
    ├── ModelNotFoundError    the model key is not in the catalogue, or no provider has a key
    └── BudgetExceededError   the worst-case cost would exceed the run's budget; nothing was sent
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kyra.errors import NodeError, PauseRequested

__all__ = ["BudgetExceededError", "LLMError", "ModelNotFoundError", "ProviderError"]


class LLMError(NodeError):
    """Base of the LLM layer's errors."""

    retryable = False


class ProviderError(LLMError):
    """The provider answered with an error after the client's own retries."""

    def __init__(self, message: str, *, status: int | None, provider: str) -> None:
        super().__init__(message, details={"status": status, "provider": provider})
        self.status = status
        # Rate limits, server errors and network failures may pass; bad requests will not.
        self.retryable = status is None or status == 429 or status >= 500


class ModelNotFoundError(LLMError):
    """No catalogue model (or no usable provider) matches the request."""


class BudgetExceededError(LLMError, PauseRequested):
    """The call's worst-case cost does not fit in what is left of the root run's budget.

    The engine pauses the run (``pause_reason="budget_exceeded"``) or fails it, per the graph's
    ``on_budget_exceeded`` setting; raising the budget and resuming retries the node.
    """

    retryable = False
    reason = "budget_exceeded"

    def __init__(
        self,
        *,
        run_id: Any,
        root_run_id: Any,
        budget_usd: Decimal,
        committed_usd: Decimal,
        required_usd: Decimal,
    ) -> None:
        super().__init__(
            f"budget exceeded: the call may cost up to ${required_usd} but only "
            f"${budget_usd - committed_usd} of ${budget_usd} is left",
            details={
                "reason": "budget_exceeded",
                "run_id": str(run_id),
                "root_run_id": str(root_run_id),
                "budget_usd": str(budget_usd),
                "committed_usd": str(committed_usd),
                "required_usd": str(required_usd),
            },
        )
        self.root_run_id = root_run_id
        self.required_usd = required_usd
