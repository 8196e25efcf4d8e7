"""``kyra credentials rotate-key`` while the application runs: a new key is put in front of the
key file, every stored secret is re-encrypted with it, the running API keeps reading them, and
the old key can then be dropped."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from typing import Any

import httpx
from cryptography.fernet import Fernet
from sqlalchemy import text

from tests.conftest import ROOT


def rotate(*flags: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "kyra.cli", "credentials", "rotate-key", *flags],
        cwd=ROOT, env=os.environ.copy(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


async def stored_token(session_factory: Any, credential_id: str) -> bytes:
    async with session_factory() as session:
        value = await session.scalar(
            text("SELECT data_enc FROM credentials WHERE id = :id"),
            {"id": uuid.UUID(credential_id)},
        )
    return bytes(value)


async def test_rotation_re_encrypts_every_secret_without_stopping_the_api(
    api: httpx.AsyncClient, session_factory: Any, settings: Any
) -> None:
    from kyra.crypto import key_file

    created = await api.post(
        "/api/credentials",
        json={
            "name": f"rot-{uuid.uuid4().hex[:6]}",
            "kind": "http_auth",
            "data": {"type": "header", "header_name": "X-Key", "header_value": "rotating-9"},
        },
    )
    credential_id = created.json()["id"]
    before = await stored_token(session_factory, credential_id)

    report = rotate("--new-key")

    keys = key_file(settings).read_bytes().split()
    assert len(keys) == 2
    after = await stored_token(session_factory, credential_id)
    assert after != before
    assert b"rotating-9" in Fernet(keys[0]).decrypt(after)
    assert "credentials.data_enc:" in report
    read = await api.get(f"/api/credentials/{credential_id}")
    assert read.status_code == 200
    assert read.json()["fields"]["header_name"] == "X-Key"

    rotate("--drop-old-keys")

    assert key_file(settings).read_bytes().split() == [keys[0]]
    assert await stored_token(session_factory, credential_id) == after
    updated = await api.put(
        f"/api/credentials/{credential_id}", json={"data": {"header_name": "X-K"}}
    )
    assert updated.status_code == 200
    assert Fernet(keys[0]).decrypt(await stored_token(session_factory, credential_id))
