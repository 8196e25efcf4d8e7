"""Recorded agent steps served back instead of executed: on resume and on replay.

A :class:`Recording` holds the steps of an earlier attempt by step key. On **resume** (after an
approval or budget pause) it answers as long as the agent asks the same things, then steps aside
so the loop goes on live. On **replay** (``strict``) a different request is an error saying
where the run diverged.
"""

from __future__ import annotations

import json
from typing import Any

from kyra.errors import ReplayDivergedError
from kyra.llm.types import ChatRequest, ChatResponse


def request_record(request: ChatRequest) -> dict[str, Any]:
    """A model request as stored on its step (and compared on replay)."""
    return request.model_dump(mode="json", exclude_none=True)


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def _first_difference(recorded: Any, actual: Any, path: str = "") -> str:
    """A short description of where two JSON values first differ."""
    if isinstance(recorded, dict) and isinstance(actual, dict):
        for key in sorted(set(recorded) | set(actual)):
            if not _same(recorded.get(key), actual.get(key)):
                return _first_difference(recorded.get(key), actual.get(key), f"{path}.{key}")
    if isinstance(recorded, list) and isinstance(actual, list):
        if len(recorded) != len(actual):
            return f"{path or '.'}: {len(recorded)} items recorded, {len(actual)} now"
        for index, (a, b) in enumerate(zip(recorded, actual, strict=True)):
            if not _same(a, b):
                return _first_difference(a, b, f"{path}[{index}]")
    shown = json.dumps(actual, default=str)[:200]
    return f"{path or '.'}: recorded {json.dumps(recorded, default=str)[:200]}, now {shown}"


class Recording:
    """Steps of an earlier attempt by step key.

    Args:
        steps: step rows (``step_key``, ``kind``, ``inputs``, ``output``, ``status``, ``approval``).
        strict: replay mode; a mismatch raises instead of going live.
        where: names the recorded node run in divergence messages.
    """

    def __init__(self, steps: list[Any], *, strict: bool, where: str = "") -> None:
        self.by_key = {s.step_key: s for s in steps if s.step_key}
        self.strict = strict
        self.where = where
        self.live = False

    def _diverged(self, key: str, message: str, details: dict[str, Any]) -> None:
        if self.strict:
            raise ReplayDivergedError(
                f"replay diverged at {self.where} step {key}: {message}",
                details={"step_key": key, **details},
            )
        self.live = True

    def _recorded(self, key: str, kind: str, inputs: dict[str, Any]) -> Any:
        if self.live:
            return None
        row = self.by_key.get(key)
        if row is None or row.kind != kind:
            self._diverged(key, f"the recording has no {kind} here", {"kind": kind})
            return None
        if not _same(row.inputs, inputs):
            where = _first_difference(row.inputs, inputs)
            self._diverged(key, f"the request changed ({where})", {"difference": where})
            return None
        return row

    def llm(self, key: str, request: ChatRequest) -> ChatResponse | None:
        """The recorded reply to the same request at ``key``, or None (go live)."""
        row = self._recorded(key, "llm_call", {"request": request_record(request)})
        if row is None:
            return None
        if row.status != "succeeded" or not row.output:
            self._diverged(key, f"the recorded call {row.status}", {"status": row.status})
            return None
        return ChatResponse.model_validate(row.output["response"])

    def tool(self, key: str, kind: str, inputs: dict[str, Any]) -> Any:
        """The recorded finished tool step at ``key`` for the same call, or None."""
        row = self._recorded(key, kind, inputs)
        if row is None:
            return None
        if row.status not in ("succeeded", "failed") or not row.output:
            if self.strict:
                self._diverged(key, f"the recorded call {row.status}", {"status": row.status})
            return None
        return row

    def recalled(self, key: str) -> dict[str, Any] | None:
        """What the agent recalled from memory at ``key`` (None: it recalled nothing)."""
        row = self.by_key.get(key)
        if row is None or row.kind != "memory" or not row.output:
            return None
        recalled: dict[str, Any] = row.output
        return recalled

    def approval(self, key: str, inputs: dict[str, Any]) -> dict[str, Any] | None:
        """A human decision taken on the same pending call at ``key``, if any."""
        row = self.by_key.get(key)
        if row is None or not _same(row.inputs, inputs):
            return None
        decision = row.approval or {}
        return decision if decision.get("status") in ("approved", "rejected") else None
