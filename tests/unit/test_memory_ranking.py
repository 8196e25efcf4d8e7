"""Pure ranking: reciprocal-rank fusion and time decay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kyra.memory.backends.base import MemoryRecord
from kyra.memory.search import RRF_K, apply_decay, decay_factor, fuse

NOW = datetime(2026, 11, 30, tzinfo=UTC)


def _record(memory_id: int, *, days_ago: float = 0, score: float = 1.0) -> MemoryRecord:
    at = NOW - timedelta(days=days_ago)
    return MemoryRecord(memory_id, "note", f"m{memory_id}", 0.5, {}, at, at, score=score)


def test_fusion_favours_what_several_strategies_found() -> None:
    fused = fuse({"vector": [_record(1), _record(2)], "keyword": [_record(2), _record(3)]}, limit=3)

    assert [r.id for r in fused] == [2, 1, 3]
    assert fused[0].score == pytest.approx(1 / (RRF_K + 2) + 1 / (RRF_K + 1), abs=1e-6)
    assert [r.matched_by for r in fused] == [["vector", "keyword"], ["vector"], ["keyword"]]
    assert {r.strategy for r in fused} == {"fused"}


def test_decay_halves_a_score_every_half_life() -> None:
    assert decay_factor(NOW - timedelta(days=30), 30, now=NOW) == pytest.approx(0.5)
    assert decay_factor(NOW + timedelta(days=1), 30, now=NOW) == 1.0  # the future is not boosted
    ranked = apply_decay([_record(1, days_ago=60, score=0.9), _record(2, score=0.5)], 30, now=NOW)
    assert [r.id for r in ranked] == [2, 1] and ranked[1].score == pytest.approx(0.225)
