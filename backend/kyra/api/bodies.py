"""Request bodies are checked for nesting depth before any JSON decoder sees them.

Decoders recurse once per level, so a small body nested 100,000 deep would exhaust the stack
(a 500) instead of getting a clear 400. Every JSON route goes through :class:`KyraRequest`;
the webhook and channel ingress, which read raw bytes, call :func:`check_json_depth`.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from litestar import Request
from litestar.exceptions import ClientException

__all__ = ["JsonTooDeepError", "KyraRequest", "check_json_depth", "nests_deeper_than"]

#: A JSON string literal, escapes included (unrolled so the regex engine never backtracks).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
#: Every byte except brackets: deleted so only the nesting structure remains.
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
#: Brackets scanned per step, so a deep body is refused without scanning all of it.
_SLICE = 65536
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


class JsonTooDeepError(ClientException):
    """The body nests arrays and objects deeper than the configured limit (400)."""


def nests_deeper_than(body: bytes, limit: int) -> bool:
    """True when arrays and objects in ``body`` nest more than ``limit`` levels deep.

    Brackets inside strings don't count. A body with at most ``limit`` brackets costs two
    ``bytes.count`` calls; the scan runs in C-level iterators, a slice at a time.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    depth = 0
    for start in range(0, len(brackets), _SLICE):
        part = brackets[start : start + _SLICE]
        steps = map(_STEP.__getitem__, part)
        if max(itertools.accumulate(steps, initial=depth)) > limit:
            return True
        depth += part.count(b"[") + part.count(b"{") - part.count(b"]") - part.count(b"}")
    return False


def check_json_depth(body: bytes, limit: int) -> None:
    """Raises:
    JsonTooDeepError: ``body`` nests deeper than ``limit``.
    """
    if nests_deeper_than(body, limit):
        raise JsonTooDeepError(
            f"JSON body is nested deeper than {limit} levels (limit KYRA_MAX_JSON_DEPTH)"
        )


class KyraRequest(Request[Any, Any, Any]):
    """Litestar's request, whose JSON decoding first checks the body's depth."""

    async def json(self) -> Any:
        check_json_depth(await self.body(), self.app.state.settings.max_json_depth)
        return await super().json()
