"""Waiting on a condition with a deadline (never a fixed sleep): tests pass on a busy machine."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

#: Default deadline: generous, because CI machines and shared development machines get busy.
DEADLINE_S = 120.0


async def eventually(
    check: Callable[[], Awaitable[T | None]],
    *,
    timeout: float = DEADLINE_S,
    interval: float = 0.05,
    what: str = "the condition",
) -> T:
    """Poll ``check`` until it returns a truthy value, and return that value.

    Raises:
        AssertionError: ``timeout`` seconds passed first.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await check()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:g} s")
        await asyncio.sleep(interval)
