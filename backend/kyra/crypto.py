"""Encryption at rest for credentials and webhook secrets (Fernet, key from settings)."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from kyra.errors import KyraError
from kyra.settings import Settings, get_settings

_KEY_FILE = "secret.key"


def load_or_create_key(settings: Settings) -> bytes:
    """The Fernet key: ``KYRA_SECRET_KEY``, else a key file created once in the data folder."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = settings.data_dir / _KEY_FILE
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process of this install created it first
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as out:
        out.write(key)
    return key


@lru_cache
def _fernet() -> Fernet:
    return Fernet(load_or_create_key(get_settings()))


def encrypt_text(text: str) -> bytes:
    return _fernet().encrypt(text.encode())


def decrypt_text(token: bytes) -> str:
    try:
        return _fernet().decrypt(token).decode()
    except InvalidToken as exc:
        raise KyraError("stored secret cannot be decrypted with the configured secret key") from exc


def encrypt_json(data: dict[str, Any]) -> bytes:
    return encrypt_text(json.dumps(data))


def decrypt_json(token: bytes) -> dict[str, Any]:
    value = json.loads(decrypt_text(token))
    if not isinstance(value, dict):
        raise KyraError("stored credential is not an object")
    return value
