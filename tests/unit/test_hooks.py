"""The hook chain around node attempts: every hook's context, nested in order."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import pytest

from kyra.hooks import EngineHook, HookChain, NodeAttempt


class Recording(EngineHook):
    """Records entering and leaving, and the exception it saw; may suppress or raise."""

    def __init__(self, name: str, log: list[str], *, suppress: bool = False,
                 fail_on_exit: bool = False) -> None:  # fmt: skip
        self.name, self.log, self.suppress, self.fail_on_exit = name, log, suppress, fail_on_exit

    def node_attempt(self, attempt: NodeAttempt) -> contextlib.AbstractContextManager[None]:
        return self._around()

    @contextlib.contextmanager
    def _around(self) -> Iterator[None]:
        self.log.append(f"enter {self.name}")
        try:
            yield
        except Exception as exc:
            self.log.append(f"{self.name} saw {exc}")
            if self.fail_on_exit:
                raise RuntimeError(f"{self.name} failed") from exc
            if not self.suppress:
                raise
        else:
            self.log.append(f"exit {self.name}")


def _attempt() -> NodeAttempt:
    return NodeAttempt(run_id=uuid.uuid4(), graph_id=uuid.uuid4(), version=1, mode="sync",
                       node_id="n", node_type="Core.set", attempt=1)  # fmt: skip


def test_contexts_nest_in_order_and_idle_hooks_add_nothing() -> None:
    log: list[str] = []
    chain = HookChain([Recording("a", log), EngineHook(), Recording("b", log)])
    with chain.node_attempt(_attempt()):
        log.append("attempt")
    assert log == ["enter a", "enter b", "attempt", "exit b", "exit a"]
    assert isinstance(HookChain([EngineHook()]).node_attempt(_attempt()), contextlib.nullcontext)


def test_every_context_sees_the_attempts_exception_until_one_suppresses_it() -> None:
    log: list[str] = []
    chain = HookChain([Recording("outer", log), Recording("inner", log, suppress=True)])
    with chain.node_attempt(_attempt()):
        raise ValueError("boom")
    assert log == ["enter outer", "enter inner", "inner saw boom", "exit outer"]

    log.clear()
    chain = HookChain([Recording("outer", log), Recording("inner", log)])
    with pytest.raises(ValueError, match="boom"), chain.node_attempt(_attempt()):
        raise ValueError("boom")
    assert log == ["enter outer", "enter inner", "inner saw boom", "outer saw boom"]


def test_an_exit_that_raises_replaces_the_exception_for_the_outer_contexts() -> None:
    log: list[str] = []
    chain = HookChain([Recording("outer", log), Recording("inner", log, fail_on_exit=True)])
    with pytest.raises(RuntimeError, match="inner failed"), chain.node_attempt(_attempt()):
        raise ValueError("boom")
    assert log == ["enter outer", "enter inner", "inner saw boom", "outer saw inner failed"]
