"""What the Slack nodes share: Web API methods (``POST https://slack.com/api/<method>``, HTTP 200
with ``ok: false`` for refusals) and their error codes."""

from __future__ import annotations

from typing import Any

from kyra.context import NodeContext, TriggerContext
from kyra.credentials import ServiceClient
from kyra_nodes._service import Service, call
from kyra_nodes.slack.credentials import slack_refused

SLACK = Service(
    "Slack",
    refused=slack_refused,
    transient=frozenset(
        {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
    ),
    unauthorized=frozenset(
        {"not_authed", "invalid_auth", "account_inactive", "token_revoked", "token_expired"}
    ),
)
#: Slack asks for the charset of JSON bodies.
JSON = {"Content-Type": "application/json; charset=utf-8"}


async def slack(ctx: NodeContext | TriggerContext) -> ServiceClient:
    return await ctx.service("slack")


async def method(client: ServiceClient, name: str, **arguments: Any) -> dict[str, Any]:
    """Call a Web API method with JSON arguments (None values left out)."""
    body = {k: v for k, v in arguments.items() if v not in (None, "")}
    answer: dict[str, Any] = await call(
        SLACK, client, "POST", f"/{name}", what=name, json=body, headers=JSON
    )
    return answer
