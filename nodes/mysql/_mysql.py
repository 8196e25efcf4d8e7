"""What the MySQL nodes share: a connection to the user's server through the outbound address
rules, with a session statement timeout, and errors in MySQL's words.

Values travel as the driver's parameters (``%s`` placeholders): PyMySQL escapes each one as a
literal of the connection's character set, so a value is never read as SQL; the statement
itself is never rendered by the engine (``raw_params``) and one call runs one statement
(multi-statements are off).
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiomysql
import pymysql

from kyra.context import NodeContext
from kyra.errors import CredentialError, NodeError
from kyra_nodes.shared.sql import jsonable

DEFAULT_PORT = 3306
#: Deadlock, lock wait timeout, too many connections, server gone or lost.
RETRYABLE_CODES = frozenset({1213, 1205, 1040, 2006, 2013, 2003})
#: Access denied for the user, or to the database.
CREDENTIAL_CODES = frozenset({1045, 1044, 1698})
#: The statement ran past max_execution_time.
TIMED_OUT = 3024


@asynccontextmanager
async def connect(ctx: NodeContext, *, timeout_ms: int) -> AsyncIterator[Any]:
    """A connection to the credential's server at the checked address, with
    ``max_execution_time`` set for the session (MySQL 5.7.8+; MariaDB uses
    ``max_statement_time``); closed afterwards."""
    fields = await ctx.credential("mysql")
    host = str(fields.get("host") or "").strip()
    port_text = str(fields.get("port") or DEFAULT_PORT)
    if not host or not port_text.isdigit():
        raise CredentialError("the mysql credential needs a host and a numeric port")
    port, mode = int(port_text), str(fields.get("ssl") or "require")
    target = await ctx.connect_address(host, port)
    tls: ssl.SSLContext | None = None
    if mode == "require":
        tls = ssl.create_default_context()
        tls.check_hostname, tls.verify_mode = False, ssl.CERT_NONE
    elif mode == "verify-full":  # the certificate names the host: connect by name (just checked)
        tls, target = ssl.create_default_context(), host
    try:
        connection = await aiomysql.connect(
            host=target, port=port, user=str(fields.get("user") or ""),
            password=str(fields.get("password") or ""), db=str(fields.get("database") or ""),
            ssl=tls, connect_timeout=15, autocommit=False, charset="utf8mb4",
        )  # fmt: skip
    except Exception as exc:
        raise failure("connect", exc) from None
    try:
        async with connection.cursor() as cursor:
            try:
                await cursor.execute("SET SESSION max_execution_time = %s", (timeout_ms,))
            except pymysql.err.OperationalError:  # MariaDB: seconds
                await cursor.execute("SET SESSION max_statement_time = %s", (timeout_ms / 1000,))
        yield connection
    finally:
        connection.close()


def failure(what: str, exc: BaseException) -> NodeError:
    """The node error for a failure of the driver or the server."""
    if isinstance(exc, NodeError):
        return exc
    if isinstance(exc, pymysql.err.MySQLError) and exc.args and isinstance(exc.args[0], int):
        code, message = exc.args[0], str(exc.args[1] if len(exc.args) > 1 else "")
        details = {"service": "MySQL", "operation": what, "code": code, "message": message}
        if code in CREDENTIAL_CODES:
            return CredentialError(f"MySQL refused the credential: {message}", details=details)
        return NodeError(f"MySQL {what} failed: {code} {message}", details=details,
                         retryable=code in RETRYABLE_CODES)  # fmt: skip
    if isinstance(exc, TimeoutError | OSError):
        return NodeError(f"MySQL {what} failed: {type(exc).__name__}: {exc}", retryable=True)
    return NodeError(f"MySQL {what} failed: {type(exc).__name__}: {exc}", retryable=False)


def rows_of(cursor: Any, records: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    names = [column[0] for column in cursor.description or []]
    return [{name: jsonable(value) for name, value in zip(names, record, strict=False)}
            for record in records]  # fmt: skip
