"""A no-op Dramatiq actor on Kyra's own broker: the most messages one worker process can take.

``bench/engine.py`` starts ``dramatiq _noop_actor`` with the same process and thread count as
Kyra's worker and compares Kyra's queue-mode nodes/s with this actor's messages/s.
"""

from __future__ import annotations

import dramatiq

from kyra.settings import get_settings
from kyra.worker.broker import build_broker

QUEUE = "bench-noop"

broker = build_broker(get_settings())
dramatiq.set_broker(broker)


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def noop() -> None:
    """Does nothing: what is measured is the broker and the worker around it."""
