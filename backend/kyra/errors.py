"""Errors raised by Kyra itself.

Our exception hierarchy::

    KyraError
    ├── NotFoundError            a resource does not exist or belongs to another owner
    ├── ConflictError            a unique name or state transition conflicts
    ├── GraphInvalidError        a graph document failed validation (carries GraphError list)
    ├── CredentialInvalidError   credential data does not fit its kind (names every field)
    ├── NodeError                a node execution failed (reported on the node run)
    │   ├── NodeTimeoutError     the attempt took longer than its timeout
    │   ├── TemplateError        a parameter template did not render
    │   ├── ParamsInvalidError   rendered parameters did not validate
    │   ├── CredentialError      a declared credential is missing or of the wrong kind
    │   ├── BlockedAddressError  outbound HTTP to an internal address was refused
    │   ├── SandboxError         user code failed or broke a sandbox limit
    │   ├── FileTooLargeError    a stored file grew past the configured limit
    │   ├── ReplayDivergedError  a replayed run asked for something the recording does not hold
    │   ├── ApprovalRejectedError a human rejected a node that requires approval
    │   ├── UnstorableValueError a value holds NUL or a lone surrogate (the database refuses it)
    │   └── PauseRequested       the node asks to pause the run (approval, budget exceeded)
    │       └── ApprovalRequired a node or agent tool call waits for a human decision
    ├── RunCancelledError        the run was cancelled while a node ran
    └── UnavailableError         a server the product needs is down or overloaded (retry later)
        └── QueueFullError       the queue's backlog is over its limit
"""

from __future__ import annotations

from typing import Any


class KyraError(Exception):
    """Base of every error Kyra raises on purpose."""


class NotFoundError(KyraError):
    pass


class ConflictError(KyraError):
    pass


class GraphInvalidError(KyraError):
    def __init__(self, errors: list[Any]) -> None:
        super().__init__(f"graph is invalid: {len(errors)} error(s)")
        self.errors = errors


class CredentialInvalidError(KyraError):
    """Credential data does not fit its kind; ``problems`` are ``{field, message}`` dicts."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        fields = ", ".join(p["field"] for p in problems)
        super().__init__(f"credential data is invalid: {fields}")
        self.problems = problems


class NodeError(KyraError):
    """A failure inside a node; ``retryable`` tells the engine whether another attempt helps,
    and ``retry_after`` (seconds) how long the next attempt must wait at least (a service's
    ``Retry-After``)."""

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        retryable: bool | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.details = details or {}
        if retryable is not None:
            self.retryable = retryable
        self.retry_after = retry_after


class NodeTimeoutError(NodeError):
    pass


class TemplateError(NodeError):
    retryable = False


class ParamsInvalidError(NodeError):
    retryable = False


class CredentialError(NodeError):
    retryable = False


class BlockedAddressError(NodeError):
    retryable = False


class SandboxError(NodeError):
    retryable = False


class FileTooLargeError(NodeError):
    retryable = False


class RunCancelledError(KyraError):
    pass


class PauseRequested(NodeError):
    """Raised by a node (or a service it calls) to pause the run instead of failing it."""

    retryable = False
    #: Reason shown on the run, e.g. "budget_exceeded" or "approval".
    reason = "paused"


class ApprovalRequired(PauseRequested):
    """A node or an agent's tool call needs a human decision; ``details["approval"]`` says what."""

    reason = "approval"


class ReplayDivergedError(NodeError):
    """Replay met a request (LLM call, tool call, node input) that differs from the recording."""

    retryable = False


class ApprovalRejectedError(NodeError):
    """A human rejected a node marked ``requires_approval`` (its error port may handle it)."""

    retryable = False


class UnstorableValueError(NodeError):
    """A value holds a NUL character or a lone surrogate, which the database cannot store."""

    retryable = False


class UnavailableError(KyraError):
    """A server the product needs is unreachable or overloaded; the request may be retried."""

    #: Seconds the client should wait before retrying.
    retry_after_s = 5


class QueueFullError(UnavailableError):
    """The queue holds more waiting work than it may (``KYRA_MAX_QUEUE_BACKLOG``)."""

    retry_after_s = 10
