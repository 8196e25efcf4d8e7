"""Engine work as Dramatiq messages on Redis: the broker and the sender.

Below the composition root (:mod:`kyra.wiring`) and the worker process that consumes the
messages (:mod:`kyra.worker.actors`), so that every process can send without importing either.
"""
