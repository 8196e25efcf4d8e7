"""A handler's timeout, armed only once the handler first waits (``kyra.engine.invoke``).

Handlers that never wait skip the timer; every other case must behave as ``asyncio.timeout``:
values and exceptions come back unchanged, a wait past the deadline ends in TimeoutError, a
cancel reaches the handler where it waits, and time spent before the first wait counts.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from kyra.engine.invoke import _within


async def test_a_handler_that_never_waits_returns_its_value() -> None:
    async def immediate() -> dict[str, int]:
        return {"out": 1}

    assert await _within(immediate(), 5) == {"out": 1}


async def test_a_handler_that_waits_returns_its_value_after_every_wait() -> None:
    async def waits() -> list[int]:
        seen = []
        for step in range(3):
            await asyncio.sleep(0)
            await asyncio.sleep(0.001)
            seen.append(step)
        return seen

    assert await _within(waits(), 5) == [0, 1, 2]


async def test_a_wait_past_the_deadline_raises_timeout_error_and_stops_the_handler() -> None:
    stopped = asyncio.Event()

    async def slow() -> None:
        try:
            await asyncio.sleep(10)
        finally:
            stopped.set()

    with pytest.raises(TimeoutError):
        await _within(slow(), 0.05)
    assert stopped.is_set()


async def test_time_spent_before_the_first_wait_counts_toward_the_deadline() -> None:
    async def busy_then_waits() -> str:
        computed_until = time.monotonic() + 0.1
        while time.monotonic() < computed_until:  # a handler computing without yielding
            pass
        await asyncio.sleep(1)
        return "too late"

    with pytest.raises(TimeoutError):
        await _within(busy_then_waits(), 0.05)


async def test_exceptions_come_back_unchanged_before_and_after_a_wait() -> None:
    async def fails_at_once() -> None:
        raise ValueError("at once")

    async def fails_later() -> None:
        await asyncio.sleep(0)
        raise KeyError("later")

    with pytest.raises(ValueError, match="at once"):
        await _within(fails_at_once(), 5)
    with pytest.raises(KeyError, match="later"):
        await _within(fails_later(), 5)


async def test_a_cancel_reaches_the_handler_where_it_waits() -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def waits_forever() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    task = asyncio.ensure_future(_within(waits_forever(), 60))
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cancelled.is_set()


async def test_a_handler_may_catch_a_cancel_and_still_return() -> None:
    started = asyncio.Event()

    async def shields() -> str:
        started.set()
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            return "cleaned up"
        return "slept"

    task = asyncio.ensure_future(_within(shields(), 60))
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    assert await task == "cleaned up"


async def test_awaitables_other_than_coroutines_are_awaited_under_the_timeout() -> None:
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().call_soon(future.set_result, 7)
    assert await _within(future, 5) == 7
    never: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    with pytest.raises(TimeoutError):
        await _within(never, 0.05)
