"""Core.code end to end through the real sandbox, as the engine's ``ctx.run_code`` will do."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import pytest
from pydantic import ValidationError

from kyra.errors import SandboxError
from kyra.sandbox import SandboxLimits, run_python, sandbox_backend
from kyra_nodes.core.code import SPEC, Params


class FakeContext:
    """Only what Core.code uses: ``run_code``, backed by the real jail."""

    def __init__(self) -> None:
        self.limits: list[Mapping[str, Any]] = []

    async def run_code(self, code: str, data: Any, *, limits: Mapping[str, Any]) -> Any:
        self.limits.append(limits)
        return (await run_python(code, data, limits=SandboxLimits(**limits))).result


@pytest.fixture
def ctx() -> FakeContext:
    if sandbox_backend() is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("No sandbox backend in CI: install bubblewrap (see .ci/run).")
        pytest.skip("No sandbox backend on this host (install bubblewrap).")
    return FakeContext()


async def run(ctx: FakeContext, data: Any, **params: Any) -> Any:
    assert SPEC.execute is not None
    return (await SPEC.execute(ctx, Params(**params), {"in": data}))["out"]


async def test_code_transforms_the_input(ctx: FakeContext) -> None:
    code = "result = [{'name': r['name'].upper()} for r in data if r['ok']]"
    rows = [{"name": "a", "ok": True}, {"name": "b", "ok": False}]
    assert await run(ctx, rows, code=code) == [{"name": "A"}]


async def test_main_function_receives_the_input(ctx: FakeContext) -> None:
    assert await run(ctx, {"n": 2}, code="def main(data):\n    return data['n'] ** 10") == 1024


async def test_limits_come_from_params(ctx: FakeContext) -> None:
    # CPU and wall-clock limits are both timeout_s: whichever fires first stops the loop.
    with pytest.raises(SandboxError, match=r"CPU time limit|timed out"):
        await run(ctx, None, code="while True:\n    pass", timeout_s=1, memory_mb=128)
    assert ctx.limits == [{"wall_seconds": 1, "cpu_seconds": 1, "memory_mb": 128}]


async def test_user_errors_fail_the_node(ctx: FakeContext) -> None:
    with pytest.raises(SandboxError, match="KeyError: 'missing'"):
        await run(ctx, {}, code="result = data['missing']")


def test_syntax_errors_are_caught_by_validation_without_running() -> None:
    with pytest.raises(ValidationError, match="line 1"):
        Params(code="result = (")


def test_code_is_not_template_rendered() -> None:
    assert "code" in SPEC.raw_params
