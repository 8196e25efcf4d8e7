"""What the Postgres nodes share: a connection to the user's server through the outbound
address rules, parameters read as the statement's declared types, and errors in PostgreSQL's
words (its SQLSTATE and message)."""

from __future__ import annotations

import json
import ssl
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

import asyncpg

from kyra.context import NodeContext
from kyra.errors import CredentialError, NodeError
from kyra_nodes._service import param_error
from kyra_nodes.shared.sql import jsonable

DEFAULT_PORT = 5432
#: Failures another attempt may cure: serialization failure, deadlock, lock not available,
#: server shutting down or starting, too many connections.
RETRYABLE_STATES = frozenset({"40001", "40P01", "55P03", "57P01", "57P02", "57P03", "53300"})
#: The server refused the user or its password.
CREDENTIAL_STATES = frozenset({"28000", "28P01"})
QUERY_CANCELED = "57014"


@asynccontextmanager
async def connect(ctx: NodeContext, *, timeout_ms: int) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the credential's server, to the address the outbound rules checked,
    with the statement timeout set for the session; closed afterwards."""
    fields = await ctx.credential("postgres")
    host = str(fields.get("host") or "").strip()
    port_text = str(fields.get("port") or DEFAULT_PORT)
    if not host or not port_text.isdigit():
        raise CredentialError("the postgres credential needs a host and a numeric port")
    port = int(port_text)
    mode = str(fields.get("ssl") or "prefer")
    target = await ctx.connect_address(host, port)
    tls: Any = False if mode == "disable" else mode
    if mode == "verify-full":  # the certificate names the host: connect by name (just checked)
        tls, target = ssl.create_default_context(), host
    try:
        connection = await asyncpg.connect(
            host=target, port=port, user=str(fields.get("user") or ""),
            password=str(fields.get("password") or "") or None,
            database=str(fields.get("database") or ""), ssl=tls, timeout=15,
            command_timeout=timeout_ms / 1000 + 5,
            server_settings={"statement_timeout": str(timeout_ms), "application_name": "kyra"},
        )  # fmt: skip
    except Exception as exc:
        raise failure("connect", exc, timeout_ms=timeout_ms) from None
    try:
        for name in ("json", "jsonb"):
            await connection.set_type_codec(
                name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
            )
        yield connection
    finally:
        await connection.close(timeout=5)


def failure(what: str, exc: BaseException, *, timeout_ms: int) -> NodeError:
    """The node error for a failure of the driver or the server."""
    if isinstance(exc, NodeError):
        return exc
    if isinstance(exc, asyncpg.PostgresError):
        state = str(exc.sqlstate or "")
        message = str(exc.args[0] if exc.args else exc)
        if state == QUERY_CANCELED:
            message = (
                f"the statement ran longer than timeout_ms ({timeout_ms} ms) and was cancelled"
            )
        details = {"service": "PostgreSQL", "operation": what, "sqlstate": state,
                   "message": message, "detail": getattr(exc, "detail", None)}  # fmt: skip
        if state in CREDENTIAL_STATES:
            return CredentialError(f"PostgreSQL refused the credential: {message}", details=details)
        return NodeError(f"PostgreSQL {what} failed: {state} {message}", details=details,
                         retryable=state in RETRYABLE_STATES)  # fmt: skip
    if isinstance(exc, asyncpg.InterfaceError):  # bad parameter values, client-side
        problem: NodeError = param_error(f"PostgreSQL {what}: {exc}")
        return problem
    if isinstance(exc, TimeoutError | OSError | asyncpg.InternalClientError):
        return NodeError(f"PostgreSQL {what} failed: {type(exc).__name__}: {exc}", retryable=True)
    return NodeError(f"PostgreSQL {what} failed: {type(exc).__name__}: {exc}")


def _boolean(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in ("true", "t", "yes", "1", "false",
                                                            "f", "no", "0"):  # fmt: skip
        return value.strip().lower() in ("true", "t", "yes", "1")
    return value


def _parsed(parse: Callable[[str], Any]) -> Callable[[Any], Any]:
    def read(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return parse(value.strip())
        except (ValueError, InvalidOperation):
            return value  # the driver names the parameter and the problem

    return read


def _decimal(value: Any) -> Any:
    return Decimal(str(value)) if isinstance(value, int | float) else _parsed(Decimal)(value)


def _text(value: Any) -> Any:
    return value if isinstance(value, str) or value is None else str(value)


#: How JSON values are read for the declared type of a placeholder.
_READERS: dict[str, Callable[[Any], Any]] = {
    **dict.fromkeys(("int2", "int4", "int8", "oid"), _parsed(int)),
    **dict.fromkeys(("float4", "float8"), _parsed(float)),
    "numeric": _decimal,
    "bool": _boolean,
    "date": _parsed(date.fromisoformat),
    **dict.fromkeys(("timestamp", "timestamptz"), _parsed(datetime.fromisoformat)),
    "time": _parsed(time.fromisoformat),
    "uuid": _parsed(uuid.UUID),
    **dict.fromkeys(("text", "varchar", "bpchar", "name"), _text),
}


def bind(statement: asyncpg.prepared_stmt.PreparedStatement, values: Sequence[Any]) -> list[Any]:
    """``values`` for the statement's placeholders, each read as its declared type
    (``"42"`` for an int4, ISO text for a timestamptz)."""
    declared = statement.get_parameters()
    if len(values) != len(declared):
        raise param_error(
            f"parameters: the statement has {len(declared)} placeholder(s) ($1…) but "
            f"{len(values)} value(s) were given"
        )
    return [
        _READERS.get(kind.name, lambda v: v)(value)
        for kind, value in zip(declared, values, strict=True)
    ]


def row(record: asyncpg.Record) -> dict[str, Any]:
    return {name: jsonable(value) for name, value in record.items()}
