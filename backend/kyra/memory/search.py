"""Ranking: time decay and reciprocal-rank fusion of several strategies' result lists."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

from kyra.memory.backends.base import MemoryRecord

#: RRF's constant: how much a first place outweighs a tenth (60 in Cormack et al., 2009).
RRF_K = 60


def decay_factor(occurred_at: datetime, half_life_days: float, *, now: datetime) -> float:
    """``0.5 ** (age / half-life)``: 1 for a memory of now, 0.5 one half-life ago."""
    age_days = max(0.0, (now - occurred_at).total_seconds() / 86_400)
    return math.pow(0.5, age_days / half_life_days)


def apply_decay(
    records: list[MemoryRecord], half_life_days: float, *, now: datetime | None = None
) -> list[MemoryRecord]:
    """Scores multiplied by their decay factor, re-sorted best first."""
    moment = now or datetime.now(UTC)
    for record in records:
        record.score = (record.score or 0.0) * decay_factor(
            record.occurred_at, half_life_days, now=moment
        )
    return sorted(records, key=lambda r: r.score or 0.0, reverse=True)


def fuse(rankings: dict[str, Sequence[MemoryRecord]], *, limit: int) -> list[MemoryRecord]:
    """Reciprocal-rank fusion: each list adds ``1 / (RRF_K + rank)`` to the memories it holds.

    Returns the best ``limit`` memories with strategy ``fused`` and the strategies that found
    each one in ``matched_by`` (in the order of ``rankings``).
    """
    scores: dict[int, float] = {}
    found: dict[int, MemoryRecord] = {}
    matched: dict[int, list[str]] = {}
    for strategy, records in rankings.items():
        for rank, record in enumerate(records, start=1):
            scores[record.id] = scores.get(record.id, 0.0) + 1.0 / (RRF_K + rank)
            found.setdefault(record.id, record)
            matched.setdefault(record.id, []).append(strategy)
    best = sorted(scores, key=lambda i: (-scores[i], -found[i].occurred_at.timestamp()))
    fused = []
    for memory_id in best[:limit]:
        record = found[memory_id]
        record.score = round(scores[memory_id], 6)
        record.strategy = "fused"
        record.matched_by = matched[memory_id]
        fused.append(record)
    return fused
