"""Where worker processes beat (one sorted set per queue): written by the worker, read by the
API's readiness check, on any machine sharing the Redis."""

from __future__ import annotations


def heartbeat_key(queue_name: str) -> str:
    """The sorted set of the queue's live worker processes (member: process, score: last beat)."""
    return f"kyra:workers:{queue_name}"
