"""``POST /api/credentials/{id}/test``: send the kind's test request with the credential and
say whether the service accepted it, in words fit for the Credentials page (never a secret)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import httpx

from kyra import masking
from kyra.credentials import ServiceClient
from kyra.errors import KyraError

#: Longest service message quoted back.
MAX_MESSAGE = 300


@dataclass(frozen=True)
class TestResult:
    ok: bool
    message: str
    status: int | None = None
    account: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


TestResult.__test__ = False  # type: ignore[attr-defined]  # not a pytest class


async def check_connection(client: ServiceClient) -> TestResult:
    """Send ``client.kind.test`` and read the answer.

    Raises:
        ValueError: the kind has no test request.
    """
    kind = client.kind
    if kind.test is None:
        raise ValueError(f"credentials of kind {kind.name} have no test request")
    try:
        response = await client.request(kind.test.method, kind.test.path, json=kind.test.json)
        await response.aread()
    except (httpx.HTTPError, KyraError) as exc:
        secrets = client.secret_values()
        return TestResult(
            False, masking.mask(f"could not reach {kind.title}: {_why(exc)}", secrets)
        )
    answer = _json(response)
    secrets = client.secret_values()
    if not response.is_success:
        return TestResult(
            False,
            masking.mask(f"{kind.title} refused: {_message(response, answer)}", secrets),
            response.status_code,
        )
    refused = kind.test.refused(answer) if kind.test.refused else None
    if refused:
        message = masking.mask(f"{kind.title} refused: {refused[:MAX_MESSAGE]}", secrets)
        return TestResult(False, message, response.status_code)
    account = kind.test.account(answer) if kind.test.account else None
    shown = f"connected to {kind.title}" + (f" as {account}" if account else "")
    return TestResult(True, shown, response.status_code, account)


def _why(exc: Exception) -> str:
    text = str(exc) if isinstance(exc, KyraError) else type(exc).__name__
    return text[:MAX_MESSAGE]


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _message(response: httpx.Response, answer: Any) -> str:
    """The service's own words for a refusal, from the usual error shapes."""
    if isinstance(answer, dict):
        error = answer.get("error")
        if isinstance(error, dict):
            error = error.get("message") or error.get("code")
        text = error or answer.get("error_description") or answer.get("description")
        text = text or answer.get("message")
        if text:
            return f"{response.status_code} {str(text)[:MAX_MESSAGE]}"
    return f"{response.status_code} {response.reason_phrase}"
