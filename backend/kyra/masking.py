"""Masking secret values wherever they could surface: node outputs, errors and log records.

Credentials are decrypted in one place (the engine's credential source), which registers every
secret value here. A node attempt masks its own outputs and error with the values it read; log
records of the whole process are masked with every value registered so far (Airflow's
``secrets_masker`` idea), so a handler that logs a URL or a response by mistake leaks nothing.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

#: Shown instead of a secret.
MASK = "***"
#: Shorter values are not masked (they would blank ordinary words).
MIN_SECRET_CHARS = 4
#: Values remembered for log masking (oldest dropped first).
MAX_REMEMBERED = 10_000

_remembered: OrderedDict[str, None] = OrderedDict()
_lock = threading.Lock()
_installed = False


def mask(value: Any, secrets: Iterable[str]) -> Any:
    """``value`` (JSON-like) with every occurrence of each secret replaced by :data:`MASK`."""
    ordered = sorted({s for s in secrets if len(s) >= MIN_SECRET_CHARS}, key=len, reverse=True)
    return _mask(value, ordered) if ordered else value


def _mask(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, MASK)
        return value
    if isinstance(value, dict):
        return {_mask(k, secrets): _mask(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(v, secrets) for v in value]
    return value


def remember(secrets: Iterable[str]) -> None:
    """Mask these values in every later log record of this process."""
    with _lock:
        for secret in secrets:
            if len(secret) >= MIN_SECRET_CHARS:
                _remembered[secret] = None
                _remembered.move_to_end(secret)
        while len(_remembered) > MAX_REMEMBERED:
            _remembered.popitem(last=False)


class _MaskingFactory:
    """Wraps the log record factory: a record's message is masked when it is created."""

    def __init__(self, factory: Any) -> None:
        self._factory = factory

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = self._factory(*args, **kwargs)
        if not _remembered:
            return record
        with _lock:
            secrets = list(_remembered)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record stays as it is; logging reports it
            return record
        masked = mask(message, secrets)
        if masked != message or record.exc_info:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = mask(logging.Formatter().formatException(record.exc_info), secrets)
            record.exc_info = None
        return record


def install_log_masking() -> None:
    """Mask remembered secrets in every log record of this process (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        logging.setLogRecordFactory(_MaskingFactory(logging.getLogRecordFactory()))
        _installed = True
