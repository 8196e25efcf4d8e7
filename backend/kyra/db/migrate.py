"""Apply Alembic migrations programmatically (``kyra migrate``, ``kyra up`` and the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

_HERE = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_HERE))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (creates the pgvector extension first)."""
    command.upgrade(alembic_config(url), revision)


def script_heads() -> frozenset[str]:
    """The newest revision(s) this code's migrations lead to."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory(str(_HERE)).get_heads())
