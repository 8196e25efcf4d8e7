"""What the SQL nodes (PostgreSQL, MySQL) share: their params, the database credential's fields
and rows as JSON with their types kept.

Values are always sent as bound parameters, never written into the statement: the statement
param is left unrendered by the engine (``raw_params``), so a template cannot paste data into
SQL, and the parameters travel separately from it.

Row values become JSON like this: integers and floats stay numbers (NaN and infinities become
null); ``numeric``/``decimal`` become **strings** with every digit kept (a JSON number would be
read as a float and lose digits); timestamps, dates and times become ISO 8601 text (with the
offset when the column has one); intervals become seconds; json/jsonb become JSON; byte strings
become base64 text; UUIDs, network addresses and anything else become text; arrays become lists.
"""

from __future__ import annotations

import base64
import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kyra.credentials import CredentialField

#: Most rows a query returns (more set ``truncated``).
MAX_ROWS = 100_000


def database_fields(default_port: int, ssl_modes: tuple[str, ...]) -> tuple[CredentialField, ...]:
    """The form of a database credential: where it is, who connects, and TLS."""
    return (
        CredentialField("host", placeholder="db.example.org", description="Host name or IP"),
        CredentialField("port", required=False, placeholder=str(default_port)),
        CredentialField("database", description="Database name"),
        CredentialField("user"),
        CredentialField("password", secret=True, required=False),
        CredentialField(
            "ssl",
            label="TLS",
            type="choice",
            choices=ssl_modes,
            required=False,
            description="disable: plain; require: encrypted, certificate not checked; "
            "verify-full: encrypted, certificate and host name checked",
        ),
    )


class QueryParams(BaseModel):
    """A read: one statement with bound parameters, rows up to a limit."""

    model_config = ConfigDict(extra="forbid")

    sql: str = Field(
        min_length=1,
        max_length=100_000,
        description="One statement; values as placeholders, never pasted in (templates are "
        "not rendered here)",
    )
    parameters: list[Any] = Field(
        default_factory=list,
        description="Values bound to the placeholders, in order; templates allowed",
    )
    limit: int = Field(1000, ge=1, le=MAX_ROWS, description="Most rows returned")
    timeout_ms: int = Field(
        30_000, ge=100, le=3_600_000, description="The statement is cancelled after this long"
    )


class ExecuteParams(BaseModel):
    """A write: one statement, once or once per parameter set, in one transaction."""

    model_config = ConfigDict(extra="forbid")

    sql: str = Field(
        min_length=1,
        max_length=100_000,
        description="One statement (INSERT, UPDATE, DELETE, DDL …); values as placeholders "
        "(templates are not rendered here)",
    )
    parameters: list[Any] = Field(
        default_factory=list, description="Values bound to the placeholders; templates allowed"
    )
    parameter_sets: list[list[Any]] = Field(
        default_factory=list,
        max_length=10_000,
        description="Run the statement once per list of values (instead of parameters), all in "
        "one transaction",
    )
    timeout_ms: int = Field(30_000, ge=100, le=3_600_000)


def jsonable(value: Any) -> Any:
    """A column value as JSON with its type kept (see the module's notes)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return str(value)
