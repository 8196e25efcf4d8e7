"""Encryption at rest for credentials and secrets (Fernet), with key rotation.

The key ring is ``KYRA_SECRET_KEY`` (several keys comma separated) or, when unset, the lines of
``<data dir>/secret.key`` (generated once). The first key encrypts; every key decrypts, so a new
key can be put in front while old ciphertexts stay readable, ``kyra credentials rotate-key``
re-encrypts every stored secret with it, and the old key is then dropped (docs/operations.md).
Processes notice a changed key file within :data:`KEY_FILE_CHECK_SECONDS` (and at once when a
ciphertext does not open), so ``kyra credentials rotate-key --new-key`` reaches running
processes without a restart.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from kyra.errors import KyraError
from kyra.settings import Settings, get_settings

KEY_FILE = "secret.key"
#: How often a process looks whether the key file changed.
KEY_FILE_CHECK_SECONDS = 2.0

_lock = threading.Lock()
_ring: MultiFernet | None = None
_primary: Fernet | None = None
#: (monotonic time of the last look, key file mtime then).
_checked: tuple[float, float] = (0.0, 0.0)


def key_file(settings: Settings) -> Path:
    return settings.data_dir / KEY_FILE


def load_or_create_keys(settings: Settings) -> list[bytes]:
    """The key ring, first key first: ``KYRA_SECRET_KEY``, else the key file (created once)."""
    if settings.secret_key:
        return [k.strip().encode() for k in settings.secret_key.split(",") if k.strip()]
    path = key_file(settings)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process of this install created it first
            pass
        else:
            with os.fdopen(fd, "wb") as out:
                out.write(Fernet.generate_key() + b"\n")
    return [line.strip() for line in path.read_bytes().splitlines() if line.strip()]


def load_or_create_key(settings: Settings) -> bytes:
    """The key that encrypts (the first of the ring)."""
    return load_or_create_keys(settings)[0]


def _key_file_changed(settings: Settings) -> bool:
    global _checked
    now = time.monotonic()
    if settings.secret_key or now - _checked[0] < KEY_FILE_CHECK_SECONDS:
        return False
    try:
        mtime = key_file(settings).stat().st_mtime
    except OSError:
        return False
    changed = _checked[1] not in (0.0, mtime)
    _checked = (now, mtime)
    return changed


def _load() -> tuple[MultiFernet, Fernet]:
    global _ring, _primary
    settings = get_settings()
    with _lock:
        if _ring is None or _primary is None or _key_file_changed(settings):
            try:
                keys = [Fernet(k) for k in load_or_create_keys(settings)]
            except ValueError as exc:
                raise KyraError(f"the secret key is not a valid Fernet key: {exc}") from None
            if not keys:
                raise KyraError("no secret key configured (KYRA_SECRET_KEY is empty)")
            _ring, _primary = MultiFernet(keys), keys[0]
        return _ring, _primary


def reload_keys() -> None:
    """Forget the loaded key ring; the next use reads it again."""
    global _ring, _primary
    with _lock:
        _ring = _primary = None


def _decrypt(token: bytes) -> bytes:
    try:
        return _load()[0].decrypt(token)
    except InvalidToken:
        if get_settings().secret_key:
            raise
    reload_keys()  # the key file may have been rotated by another process
    return _load()[0].decrypt(token)


def encrypt_text(text: str) -> bytes:
    return _load()[0].encrypt(text.encode())


def decrypt_text(token: bytes) -> str:
    try:
        return _decrypt(token).decode()
    except InvalidToken as exc:
        raise KyraError("stored secret cannot be decrypted with the configured secret key") from exc


def encrypt_json(data: dict[str, Any]) -> bytes:
    return encrypt_text(json.dumps(data))


def decrypt_json(token: bytes) -> dict[str, Any]:
    value = json.loads(decrypt_text(token))
    if not isinstance(value, dict):
        raise KyraError("stored credential is not an object")
    return value


def reencrypted(token: bytes) -> bytes | None:
    """``token`` encrypted with the first key, or None when it already is.

    Raises:
        KyraError: no key of the ring opens it.
    """
    ring, primary = _load()
    try:
        primary.decrypt(token)
        return None
    except InvalidToken:
        pass
    try:
        return ring.rotate(token)
    except InvalidToken as exc:
        raise KyraError("a stored secret cannot be decrypted with any configured key") from exc


def prepend_new_key(settings: Settings) -> None:
    """Put a new key in front of the key file's ring (old keys stay, for decryption).

    Raises:
        KyraError: the keys come from ``KYRA_SECRET_KEY``, which only the operator can change.
    """
    if settings.secret_key:
        raise KyraError(
            "the keys come from KYRA_SECRET_KEY: put the new key first there "
            "(KYRA_SECRET_KEY=new,old) on every process, then run rotate-key without --new-key"
        )
    keys = load_or_create_keys(settings)
    path = key_file(settings)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(b"\n".join([Fernet.generate_key(), *keys]) + b"\n")
    os.replace(temporary, path)
    reload_keys()


def drop_old_keys(settings: Settings) -> int:
    """Keep only the first key in the key file; returns how many keys were dropped."""
    if settings.secret_key:
        raise KyraError("the keys come from KYRA_SECRET_KEY: remove the old ones there")
    keys = load_or_create_keys(settings)
    path = key_file(settings)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(keys[0] + b"\n")
    os.replace(temporary, path)
    reload_keys()
    return len(keys) - 1
