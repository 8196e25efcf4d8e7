"""Metacognition: have the model critique an answer and return a revised one."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.llm.types import ChatMessage, ChatRequest
from kyra.spec import NodeSpec, Port, PortType

_SYSTEM = (
    "You review an answer critically: check it against the goal and the criteria, name its "
    'mistakes and gaps, then improve it. Reply with JSON only: {"critique": "...", '
    '"revised": "..."}.'
)


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: str = Field("", description="The answer to review; empty uses the input")
    goal: str = Field("", description="What the answer is meant to achieve")
    criteria: str = Field("accuracy, completeness, clarity", description="What to check")
    model: str = Field("auto", description="Catalogue model key, or auto")
    max_tokens: int = Field(1024, gt=0, le=32_000)


SPEC = NodeSpec(
    type="Core.reflect",
    title="Reflect",
    category="Cognitive",
    icon="reflect",
    description=(
        "Ask the model to critique an answer against its goal and criteria and return the "
        "critique and a revised answer; costs one model call."
    ),
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="{critique, revised, changed}")],
    timeout_s=300,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    answer = params.answer or str(inputs.get("in") or "")
    prompt = f"Goal: {params.goal or '(not given)'}\nCriteria: {params.criteria}\n\n{answer}"
    request = ChatRequest(
        model=params.model,
        max_tokens=params.max_tokens,
        temperature=0,
        response_format={"type": "json_object"},
        messages=[
            ChatMessage(role="system", content=_SYSTEM),
            ChatMessage(role="user", content=prompt),
        ],
    )
    response = await ctx.llm.chat(request)
    parsed = response.json_output()
    if not isinstance(parsed, dict):
        parsed = {"critique": response.text, "revised": answer}
    revised = str(parsed.get("revised") or answer)
    critique = str(parsed.get("critique", ""))
    return {"out": {"critique": critique, "revised": revised, "changed": revised != answer}}
