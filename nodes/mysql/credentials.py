"""The ``mysql`` credential: a user's own MySQL or MariaDB server."""

from __future__ import annotations

from kyra.credentials import CredentialKind
from kyra_nodes.shared.sql import database_fields

MYSQL = CredentialKind(
    name="mysql",
    title="MySQL / MariaDB",
    description="A MySQL or MariaDB server the MySQL nodes connect to (host, database, user and "
    "password). Private addresses are refused unless KYRA_HTTP_ALLOW_HOSTS allows them; give "
    "the user only the rights the graph needs.",
    fields=database_fields(3306, ("disable", "require", "verify-full")),
    docs_url="https://dev.mysql.com/doc/refman/8.4/en/connecting.html",
)
