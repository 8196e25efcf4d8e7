"""The ``postgres`` credential: a user's own PostgreSQL server."""

from __future__ import annotations

from kyra.credentials import CredentialKind
from kyra_nodes.shared.sql import database_fields

POSTGRES = CredentialKind(
    name="postgres",
    title="PostgreSQL",
    description="A PostgreSQL server the Postgres nodes connect to (host, database, user and "
    "password). Private addresses are refused unless KYRA_HTTP_ALLOW_HOSTS allows them; give "
    "the user only the rights the graph needs.",
    fields=database_fields(5432, ("disable", "prefer", "require", "verify-full")),
    docs_url="https://www.postgresql.org/docs/current/libpq-connect.html",
)
