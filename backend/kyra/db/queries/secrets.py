"""Every stored secret, re-encrypted in place (``kyra credentials rotate-key``).

Rows are read in primary-key order in small batches, each batch its own transaction, and a row
is only overwritten if it still holds the ciphertext that was read (compare and set), so a
secret changed meanwhile by the API is never clobbered. The application keeps running.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


@dataclass(frozen=True)
class EncryptedColumn:
    """A column holding Fernet tokens in a table keyed by UUID (``as_text``: stored as a
    string, not bytes)."""

    table: str
    key: str
    column: str
    as_text: bool = False


#: Every column that holds a Fernet token; a new one must be added here.
ENCRYPTED_COLUMNS = (
    EncryptedColumn("credentials", "id", "data_enc"),
    EncryptedColumn("channel_deployments", "id", "secret_enc"),
    EncryptedColumn("graphs", "id", "webhook_secret_enc"),
    EncryptedColumn("ai_agents", "agent_id", "webhook_secret", as_text=True),
    EncryptedColumn("oauth_clients", "id", "client_secret_enc"),
    EncryptedColumn("oauth_states", "id", "verifier_enc"),
)
#: Rows per transaction.
BATCH = 200

#: Re-encrypts one token, or returns None when it needs nothing.
Rotate = Callable[[bytes], bytes | None]


async def reencrypt_column(
    session_factory: async_sessionmaker[AsyncSession], target: EncryptedColumn, rotate: Rotate
) -> int:
    """Re-encrypt every token of one column; returns how many rows changed."""
    t, k, c = target.table, target.key, target.column
    select_batch = text(
        f"SELECT {k}, {c} FROM {t} WHERE {c} IS NOT NULL AND {k} > :after "
        f"ORDER BY {k} LIMIT {BATCH}"
    )
    update_row = text(f"UPDATE {t} SET {c} = :new WHERE {k} = :key AND {c} = :old")
    changed, after = 0, uuid.UUID(int=0)
    while True:
        async with session_factory() as session, session.begin():
            rows = (await session.execute(select_batch, {"after": after})).all()
            for key, old in rows:
                token = old.encode() if target.as_text else bytes(old)
                new = rotate(token)
                if new is None:
                    continue
                value = new.decode() if target.as_text else new
                result = await session.execute(update_row, {"new": value, "key": key, "old": old})
                changed += result.rowcount  # type: ignore[attr-defined]
        if len(rows) < BATCH:
            return changed
        after = rows[-1][0]


async def reencrypt_all(
    session_factory: async_sessionmaker[AsyncSession], rotate: Rotate
) -> dict[str, int]:
    """Re-encrypt every stored secret; rows changed per ``table.column``."""
    return {
        f"{target.table}.{target.column}": await reencrypt_column(session_factory, target, rotate)
        for target in ENCRYPTED_COLUMNS
    }
