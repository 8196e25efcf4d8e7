"""The worker process of queue mode: thin Dramatiq actors taking ids, and their runtime.

The broker and the sender live in :mod:`kyra.messaging`, which every process shares.
"""
