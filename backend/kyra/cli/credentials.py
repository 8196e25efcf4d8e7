"""``kyra credentials rotate-key``: re-encrypt every stored secret with the first key of the
key ring, optionally putting a new key in front first or dropping the old ones after."""

from __future__ import annotations

import asyncio
import time

from kyra import crypto
from kyra.cli.database import require_database
from kyra.cli.errors import CliError
from kyra.db.engine import create_engine, create_session_factory
from kyra.db.queries.secrets import reencrypt_all
from kyra.errors import KyraError
from kyra.settings import Settings


def rotate_key(settings: Settings, *, new_key: bool, drop_old_keys: bool) -> int:
    settings = require_database(settings)
    try:
        if new_key:
            crypto.prepend_new_key(settings)
            print(f"new key written to {crypto.key_file(settings)} (old keys kept for decryption)")
            # Running processes look at the key file this often; after that they all encrypt
            # with the new key, so the pass below leaves nothing behind.
            time.sleep(crypto.KEY_FILE_CHECK_SECONDS + 1)
        changed = asyncio.run(_reencrypt(settings))
        if drop_old_keys:
            dropped = crypto.drop_old_keys(settings)
            print(f"dropped {dropped} old key(s) from {crypto.key_file(settings)}")
    except KyraError as exc:
        raise CliError(str(exc)) from None
    for column, count in changed.items():
        print(f"{column}: {count} re-encrypted")
    return 0


async def _reencrypt(settings: Settings) -> dict[str, int]:
    engine = create_engine(settings.database_url, pool_size=1, max_overflow=0)
    try:
        return await reencrypt_all(create_session_factory(engine), crypto.reencrypted)
    finally:
        await engine.dispose()
