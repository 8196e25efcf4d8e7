"""``POST /hooks/agents/{name}``: run a saved agent from a signed webhook.

Signed exactly like graph webhooks (DESIGN §5) with the agent's ``webhook_secret``; an agent
without a secret cannot be called this way (fail closed). Agent names are unique per owner
only, so the signature also tells which owner's agent is meant. The body is
``{"goal": "...", "mode": "sync" | "async", "budget_usd": …, "session_id": …}``: ``sync``
answers with the agent's answer, ``async`` with a run id at once. A replayed signed request
(same signature within the replay window) starts nothing and returns the first run's id.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Literal

from litestar import Controller, Request, Response, post
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kyra.agents.memory import SESSION_ID
from kyra.agents.service import run_agent, run_answer
from kyra.api.deps import app_redis
from kyra.api.fields import Text
from kyra.api.hooks import PayloadTooLargeError, read_body
from kyra.api.schemas.agents import AgentAnswer, AgentHookAccepted, AgentHookReplayed
from kyra.crypto import decrypt_text
from kyra.db.models import AiAgent
from kyra.db.queries import agents as queries
from kyra.engine.services import EngineServices
from kyra.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER, SignatureError, verify

#: Redis key prefix remembering signed requests already accepted (replay protection).
_SEEN = "kyra:agent-hook:"


class AgentHookRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    goal: Text = Field(min_length=1, max_length=100_000)
    mode: Literal["sync", "async"] = "sync"
    budget_usd: Decimal | None = Field(None, ge=0, le=1_000_000)
    session_id: str | None = Field(
        None, pattern=SESSION_ID.pattern, description="Conversation to continue (memory)"
    )


def _error(status: int, detail: str, **extra: Any) -> Response[Any]:
    return Response({"status_code": status, "detail": detail, **extra}, status_code=status)


def _signed_agent(
    agents: list[AiAgent], request: Request[Any, Any, Any], raw: bytes, tolerance_s: int
) -> tuple[AiAgent, str]:
    """The agent whose secret signed this request, and the signature's digest.

    Raises:
        SignatureError: no agent's secret verifies the request.
    """
    problem = SignatureError("signature does not match")
    for agent in agents:
        assert agent.webhook_secret is not None
        secret = decrypt_text(agent.webhook_secret.encode())
        try:
            digest = verify(
                secret, raw, timestamp=request.headers.get(TIMESTAMP_HEADER),
                signature=request.headers.get(SIGNATURE_HEADER), tolerance_s=tolerance_s,
            )  # fmt: skip
        except SignatureError as exc:
            problem = exc
            continue
        return agent, digest
    raise problem


class AgentHookController(Controller):
    tags = ["webhooks"]

    @post(
        "/hooks/agents/{name:str}",
        status_code=200,
        opt={
            "public": True,
            "errors": [401],
            "statuses": {
                202: "Accepted (mode async): the run id",
                409: "A replay of a request already accepted: the first run id",
            },
        },
    )
    async def receive(
        self, name: str, request: Request[Any, Any, Any], services: EngineServices
    ) -> Response[AgentAnswer | AgentHookAccepted | AgentHookReplayed]:
        settings = services.settings
        try:
            raw = await read_body(request, settings.webhook_max_body_bytes)
        except PayloadTooLargeError:
            return _error(413, f"body is larger than {settings.webhook_max_body_bytes} bytes")
        async with services.session_factory() as session:
            agents = await queries.agents_with_webhook(session, name)
        if not agents:
            return _error(404, f"no agent {name!r} with a webhook secret")
        try:
            agent, digest = _signed_agent(agents, request, raw, settings.webhook_tolerance_seconds)
        except SignatureError as exc:
            return _error(401, f"webhook signature refused: {exc}")
        try:
            body = AgentHookRequest.model_validate(json.loads(raw or b"null"))
        except (ValueError, ValidationError) as exc:
            return _error(400, "invalid agent webhook body", errors=_problems(exc))
        redis = app_redis(request, services)
        seen_key = _SEEN + digest
        window = 2 * settings.webhook_tolerance_seconds
        if not await redis.set(seen_key, "", nx=True, ex=window):
            stored = await redis.get(seen_key) or b""
            first = stored.decode() if isinstance(stored, bytes) else stored
            replayed = AgentHookReplayed(run_id=first or None, status="replayed")
            return Response(replayed, status_code=409, headers={"Idempotent-Replayed": "true"})
        mode = "tracked" if body.mode == "sync" else "queue"
        try:
            async with services.session_factory() as session:
                agent = await session.merge(agent)
                started = await run_agent(
                    services, session, agent, goal=body.goal, mode=mode,
                    budget_usd=body.budget_usd, session_id=body.session_id,
                )  # fmt: skip
        except BaseException:
            await redis.delete(seen_key)  # nothing started: the sender may retry
            raise
        await redis.set(seen_key, str(started.run.id), ex=window)
        if mode == "queue":
            accepted = AgentHookAccepted(
                agent_run_id=started.agent_run.run_id, run_id=started.run.id,
                status=started.run.status,
            )  # fmt: skip
            return Response(accepted, status_code=202)
        return Response(AgentAnswer.of(run_answer(started)))


def _problems(exc: Exception) -> list[dict[str, str]]:
    if isinstance(exc, ValidationError):
        return [
            {"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]}
            for e in exc.errors()
        ]
    return [{"field": "body", "message": "not JSON"}]


ROUTES = [AgentHookController]
