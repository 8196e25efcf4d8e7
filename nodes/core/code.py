"""Run a short user-written Python function on the incoming value, inside the sandbox."""

from __future__ import annotations

import ast
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port

#: Longest accepted program, in characters.
MAX_CODE_CHARS = 100_000


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(
        "result = data",
        max_length=MAX_CODE_CHARS,
        description=(
            "Python 3 code. The input value is the variable `data`; set `result = ...` to a "
            "JSON value, or define `main(data)` and return it. Standard library only; no "
            "network. Templates are not rendered here: read inputs from `data`."
        ),
    )
    timeout_s: float = Field(10, gt=0, le=300, description="Wall-clock and CPU-time limit")
    memory_mb: int = Field(256, ge=64, le=4096, description="Address-space limit in MB")

    @field_validator("code")
    @classmethod
    def _parses(cls, code: str) -> str:
        # Parse only, never execute, while validating.
        try:
            ast.parse(code, filename="<code>")
        except SyntaxError as exc:
            raise ValueError(f"line {exc.lineno}: {exc.msg}") from None
        except (ValueError, RecursionError, MemoryError) as exc:
            raise ValueError(f"code does not parse: {type(exc).__name__}") from None
        return code


SPEC = NodeSpec(
    type="Core.code",
    title="Python code",
    category="Core",
    icon="code",
    description=(
        "Run a Python snippet on the input value `data` and output what it sets as `result` "
        "(JSON). Runs isolated: no network, no host files, CPU, memory and time limits."
    ),
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out")],
    timeout_s=330,
    raw_params=frozenset({"code"}),
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    limits = {
        "wall_seconds": params.timeout_s,
        "cpu_seconds": params.timeout_s,
        "memory_mb": params.memory_mb,
    }
    result = await ctx.run_code(params.code, inputs.get("in"), limits=limits)
    return {"out": result}
