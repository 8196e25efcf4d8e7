"""Dramatiq side of queue mode: the broker built from settings and thin actors taking ids."""
