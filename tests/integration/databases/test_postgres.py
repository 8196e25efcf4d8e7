"""Postgres.query and Postgres.execute against the real embedded PostgreSQL the tests start, as
a user's own database (a separate role and database): values bound as parameters (an injection
attempt stays data), types kept in the JSON rows, the statement timeout, the outbound address
rules, and both nodes in a graph in sync and queue mode."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest

from tests.integration.services.conftest import run_node

ROLE, PASSWORD = "kyra_user_db", "s3cret-Pa55"


def _admin_dsn(database_url: str, database: str = "postgres") -> str:
    parts = urlsplit(database_url.replace("+asyncpg", ""))
    return f"postgresql://postgres@{parts.hostname}:{parts.port}/{database}"


@pytest.fixture(scope="module")
async def user_database(database_url: str) -> AsyncIterator[dict[str, Any]]:
    """A database of its own, owned by a role that is not the application's."""
    name = f"userdata_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_admin_dsn(database_url))
    await admin.execute(f"DROP ROLE IF EXISTS {ROLE}")
    await admin.execute(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'")
    await admin.execute(f"CREATE DATABASE {name} OWNER {ROLE}")
    parts = urlsplit(database_url.replace("+asyncpg", ""))
    yield {"host": parts.hostname, "port": str(parts.port), "database": name}
    await admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
    await admin.execute(f"DROP ROLE {ROLE}")
    await admin.close()


@pytest.fixture
async def people(user_database: dict[str, Any]) -> AsyncIterator[asyncpg.Connection]:
    """A fresh ``people`` table in the user's database (a direct connection to check it)."""
    connection = await asyncpg.connect(
        host=user_database["host"], port=int(user_database["port"]), user=ROLE,
        password=PASSWORD, database=user_database["database"],
    )  # fmt: skip
    await connection.execute("DROP TABLE IF EXISTS people")
    await connection.execute(
        "CREATE TABLE people (id serial PRIMARY KEY, name text NOT NULL, balance numeric(12,2),"
        " born date, seen timestamptz, profile jsonb, active boolean, score float8,"
        " big int8, tags text[], photo bytea, ref uuid, waited interval)"
    )
    yield connection
    await connection.close()


async def credential(api: httpx.AsyncClient, location: dict[str, Any], **changes: str) -> str:
    data = {**location, "user": ROLE, "password": PASSWORD, "ssl": "disable", **changes}
    created = await api.post("/api/credentials", json={
        "name": f"pg-{uuid.uuid4().hex[:8]}", "kind": "postgres", "data": data})  # fmt: skip
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def pg(type_: str, credential_id: str, **params: Any) -> dict[str, Any]:
    return {"type": type_, "params": params, "credentials": {"postgres": credential_id}}


async def test_rows_come_back_as_json_with_their_types_kept(
    api: httpx.AsyncClient, user_database: dict[str, Any], people: asyncpg.Connection
) -> None:
    await people.execute(
        "INSERT INTO people (name, balance, born, seen, profile, active, score, big, tags, photo,"
        " ref, waited) VALUES ('Zoë', 1234567890.12, '1990-02-28', '2024-05-01 10:00:00+02',"
        ' \'{"langs": ["fr", "ñ"], "n": 1}\', true, 0.5, 9007199254740993, \'{a,b}\','
        " '\\x00ff', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '1 day 2 hours')"
    )
    sql = "SELECT * FROM people WHERE name = $1 AND balance > $2"
    node = pg("Postgres.query", await credential(api, user_database), sql=sql,
              parameters=["Zoë", "5"])  # fmt: skip

    result = await run_node(api, node)

    assert result["status"] == "succeeded", result["error"]
    assert result["output"]["out"] == {
        "rows": [{
            "id": 1, "name": "Zoë", "balance": "1234567890.12", "born": "1990-02-28",
            "seen": "2024-05-01T08:00:00+00:00", "profile": {"langs": ["fr", "ñ"], "n": 1},
            "active": True, "score": 0.5, "big": 9007199254740993, "tags": ["a", "b"],
            "photo": "AP8=", "ref": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "waited": 93600.0,
        }],
        "count": 1,
        "columns": ["id", "name", "balance", "born", "seen", "profile", "active", "score", "big",
                    "tags", "photo", "ref", "waited"],
        "truncated": False,
    }  # fmt: skip


async def test_an_injection_attempt_is_stored_and_matched_as_plain_data(
    api: httpx.AsyncClient, user_database: dict[str, Any], people: asyncpg.Connection
) -> None:
    cred = await credential(api, user_database)
    attack = "x'); DROP TABLE people; --"
    insert = pg("Postgres.execute", cred,
                sql="INSERT INTO people (name, profile) VALUES ($1, $2) RETURNING id, name",
                parameters=[attack, {"note": "' OR 1=1 --"}])  # fmt: skip

    written = await run_node(api, insert)
    found = await run_node(api, pg("Postgres.query", cred,
                                   sql="SELECT name, profile FROM people WHERE name = $1",
                                   parameters=[attack]))  # fmt: skip
    none = await run_node(api, pg("Postgres.query", cred,
                                  sql="SELECT name FROM people WHERE name = $1",
                                  parameters=["' OR '1'='1"]))  # fmt: skip

    assert written["output"]["out"] == {
        "status": "INSERT 0 1", "affected": 1, "rows": [{"id": 1, "name": attack}]}  # fmt: skip
    assert found["output"]["out"]["rows"] == [{"name": attack, "profile": {"note": "' OR 1=1 --"}}]
    assert none["output"]["out"]["rows"] == []
    assert await people.fetchval("SELECT count(*) FROM people") == 1


async def test_templates_in_the_statement_are_not_rendered_and_two_statements_are_refused(
    api: httpx.AsyncClient, user_database: dict[str, Any], people: asyncpg.Connection
) -> None:
    cred = await credential(api, user_database)
    templated = await run_node(api, pg("Postgres.query", cred,
                                       sql="SELECT '{{ 1 + 1 }}' AS raw"))  # fmt: skip
    stacked = await run_node(api, pg("Postgres.execute", cred,
                                     sql="DELETE FROM people; DROP TABLE people"))  # fmt: skip

    assert templated["output"]["out"]["rows"] == [{"raw": "{{ 1 + 1 }}"}]
    assert stacked["status"] == "failed"
    assert stacked["error"]["message"] == (
        "PostgreSQL execute failed: 42601 cannot insert multiple commands into a prepared statement"
    )
    assert await people.fetchval("SELECT to_regclass('people') IS NOT NULL")


async def test_execute_runs_once_per_parameter_set_in_one_transaction(
    api: httpx.AsyncClient, user_database: dict[str, Any], people: asyncpg.Connection
) -> None:
    cred = await credential(api, user_database)
    node = pg("Postgres.execute", cred, sql="INSERT INTO people (name, balance) VALUES ($1, $2)",
              parameter_sets=[["a", 1], ["b", "2.50"], ["c", 3.25]])  # fmt: skip
    failing = pg("Postgres.execute", cred, sql="INSERT INTO people (name) VALUES ($1)",
                 parameter_sets=[["d"], [None]])  # fmt: skip

    result = await run_node(api, node)
    failed = await run_node(api, failing)

    assert result["output"]["out"] == {"status": "INSERT 0 1", "affected": 3, "rows": []}
    assert failed["status"] == "failed"
    assert failed["error"]["details"]["sqlstate"] == "23502"  # not-null violation
    assert failed["attempt"] == 1
    names = await people.fetch("SELECT name, balance::text FROM people ORDER BY id")
    assert [tuple(r) for r in names] == [("a", "1.00"), ("b", "2.50"), ("c", "3.25")]


async def test_query_is_read_only_limited_and_checks_its_parameters(
    api: httpx.AsyncClient, user_database: dict[str, Any], people: asyncpg.Connection
) -> None:
    await people.execute("INSERT INTO people (name) SELECT 'p' || n FROM generate_series(1, 5) n")
    cred = await credential(api, user_database)

    limited = await run_node(api, pg("Postgres.query", cred, limit=2,
                                     sql="SELECT name FROM people ORDER BY id"))  # fmt: skip
    write = await run_node(api, pg("Postgres.query", cred, sql="DELETE FROM people"))
    two = "SELECT $1::int + $2::int AS n"
    missing = await run_node(api, pg("Postgres.query", cred, sql=two, parameters=[1]))

    assert limited["output"]["out"] | {"columns": []} == {
        "rows": [{"name": "p1"}, {"name": "p2"}], "count": 2, "columns": [], "truncated": True,
    }  # fmt: skip
    assert write["error"]["message"] == (
        "PostgreSQL query failed: 25006 cannot execute DELETE in a read-only transaction"
    )
    assert missing["error"]["message"] == (
        "parameters: the statement has 2 placeholder(s) ($1…) but 1 value(s) were given"
    )
    assert await people.fetchval("SELECT count(*) FROM people") == 5


async def test_a_statement_running_past_its_timeout_is_cancelled(
    api: httpx.AsyncClient, user_database: dict[str, Any], people: asyncpg.Connection
) -> None:
    cred = await credential(api, user_database)

    result = await run_node(api, pg("Postgres.query", cred, sql="SELECT pg_sleep(30)",
                                    timeout_ms=300))  # fmt: skip

    assert result["status"] == "failed"
    assert result["error"]["message"] == (
        "PostgreSQL query failed: 57014 the statement ran longer than timeout_ms (300 ms) and "
        "was cancelled"
    )


async def test_private_hosts_are_refused_and_an_unknown_user_is_a_credential_error(
    api: httpx.AsyncClient, user_database: dict[str, Any], people: asyncpg.Connection
) -> None:
    private = await credential(api, user_database, host="127.0.0.2")
    # The embedded server trusts local connections, so a wrong password would pass.
    wrong = await credential(api, user_database, user="nobody_here")

    refused = await run_node(api, pg("Postgres.query", private, sql="SELECT 1"))
    denied = await run_node(api, pg("Postgres.query", wrong, sql="SELECT 1"))

    assert refused["error"]["type"] == "BlockedAddressError"
    assert refused["error"]["message"] == (
        "Refused to connect to 127.0.0.2: a loopback address; allow it with "
        "KYRA_HTTP_ALLOW_HOSTS if this is intended."
    )
    assert denied["error"]["type"] == "CredentialError", denied["error"]
    assert denied["error"]["message"] == (
        'PostgreSQL refused the credential: role "nobody_here" does not exist'
    )
    assert PASSWORD not in str(denied)


@pytest.mark.parametrize("mode", ["sync", "queue"])
async def test_both_nodes_run_in_a_graph_in_sync_and_queue_mode(
    api: httpx.AsyncClient, worker: Any, user_database: dict[str, Any],
    people: asyncpg.Connection, mode: str,
) -> None:  # fmt: skip
    cred = await credential(api, user_database)
    insert = pg("Postgres.execute", cred, sql="INSERT INTO people (name) VALUES ($1)",
                parameters=["{{ trigger.name }}"])  # fmt: skip
    select = pg("Postgres.query", cred, sql="SELECT name FROM people")

    written = await run_node(api, insert, mode=mode, inputs={"name": f"via {mode}"})
    read = await run_node(api, select, mode=mode)

    assert written["status"] == "succeeded", written["error"]
    assert read["output"]["out"]["rows"] == [{"name": f"via {mode}"}]
