"""What a queue worker reads and writes per node: leases, outcomes, node states and the run row.

Sent by asyncpg on a hot-path connection (:mod:`kyra.db.direct`), inside
``connection.transaction()`` where the caller needs one: through an ``AsyncSession`` the same
statements cost about three times the CPU (greenlet bridge, compilation, parameter
processing, ORM rows), which made them most of a worker's time per node. Rows come back as
:class:`NodeRunRow` / :class:`RunRow`; values to write go as one ``jsonb`` record expanded by
PostgreSQL (``jsonb_populate_record``), as :func:`kyra.db.queries.runs.store_finished` does.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

import asyncpg

from kyra.db.direct import Driver, column_list
from kyra.db.engine import encode_json
from kyra.db.models import NodeRun, NodeRunRow, Run, RunRow, table_of
from kyra.status import LIVE_RUN, NodeRunStatus

__all__ = [
    "COUNTERS",
    "NodeStateRow",
    "Recorded",
    "add_leased_node_run",
    "add_node_runs",
    "add_run_cost",
    "cancel_pending",
    "claim_node_run",
    "delete_run",
    "get_run",
    "graph_version",
    "lock_live_run",
    "node_states",
    "pause_run",
    "record_and_continue",
    "record_and_lock_run",
    "record_outcome",
    "update_run",
]

_RUN_COLUMNS = column_list(Run)
_NODE_RUN_COLUMNS = column_list(NodeRun)
#: The live run statuses, as a statement parameter and as SQL literals.
_LIVE_STATUSES = [status.value for status in sorted(LIVE_RUN)]
_LIVE = ", ".join(f"'{status}'" for status in _LIVE_STATUSES)
#: Graph node runs only: agent steps (children) are never scheduled.
_TOP_LEVEL = "parent_node_run_id IS NULL"
#: Node-run columns :func:`record_outcome` adds to instead of setting (attempts add up).
COUNTERS = frozenset({"cost_usd", "input_tokens", "output_tokens"})


class NodeStateRow(NamedTuple):
    """What scheduling reads of a node run (not its inputs and params)."""

    node_id: str
    status: str
    output: Any
    error: dict[str, Any] | None


def _run_row(record: asyncpg.Record | dict[str, Any]) -> RunRow:
    return RunRow(**record)


def _node_run_row(record: asyncpg.Record | dict[str, Any]) -> NodeRunRow:
    return NodeRunRow(**record)


def _set_from(table: str, columns: Sequence[str], counters: Collection[str] = ()) -> str:
    """``SET`` assignments of ``columns`` from the record ``v`` (``counters`` added to)."""
    return ", ".join(
        f'"{c}" = {table}."{c}" + v."{c}"' if c in counters else f'"{c}" = v."{c}"' for c in columns
    )


# --- runs --------------------------------------------------------------------------------------

#: The live statuses are a parameter, not constants: with the constants, PostgreSQL's cached
#: plan found the run through the partial index of live runs (every queued and running run of
#: the backlog) instead of the primary key.
_LOCK_LIVE_RUN = (
    "UPDATE runs SET updated_at = now() WHERE id = $1 AND status = ANY($2::text[]) "
    f"RETURNING {_RUN_COLUMNS}"
)


async def lock_live_run(connection: Driver, run_id: uuid.UUID) -> RunRow | None:
    """The run row if queued or running, locked until the transaction ends and marked as
    advanced now (``updated_at``)."""
    record = await connection.fetchrow(_LOCK_LIVE_RUN, run_id, _LIVE_STATUSES)
    return _run_row(record) if record is not None else None


_GET_RUN = f"SELECT {_RUN_COLUMNS} FROM runs WHERE id = $1"


async def get_run(connection: Driver, run_id: uuid.UUID) -> RunRow | None:
    record = await connection.fetchrow(_GET_RUN, run_id)
    return _run_row(record) if record is not None else None


@lru_cache(maxsize=16)
def _update_run_sql(columns: tuple[str, ...]) -> str:
    return (
        f"UPDATE runs SET {_set_from('runs', columns)}, updated_at = now() "
        "FROM jsonb_populate_record(NULL::runs, $2) AS v WHERE runs.id = $1 "
        f"RETURNING {column_list(Run, of='runs')}, "
        "(SELECT settings ->> 'save_runs' FROM graphs WHERE graphs.id = runs.graph_id) "
        'AS "save_runs"'
    )


async def update_run(
    connection: Driver, run_id: uuid.UUID, values: dict[str, Any]
) -> tuple[RunRow, str | None]:
    """Set ``values`` on the run (locked by the caller); the run as updated, with its graph's
    ``save_runs`` setting (None when unset)."""
    record = await connection.fetchrow(
        _update_run_sql(tuple(sorted(values))), run_id, encode_json(values)
    )
    assert record is not None  # locked by the caller
    fields = dict(record)
    policy = fields.pop("save_runs")
    return _run_row(fields), policy


async def delete_run(connection: Driver, run_id: uuid.UUID) -> None:
    await connection.execute("DELETE FROM runs WHERE id = $1", run_id)


_PAUSE_RUN = (
    "UPDATE runs SET status = 'paused', pause_reason = $2, updated_at = now() "
    f"WHERE id = $1 AND status IN ({_LIVE}) RETURNING {_RUN_COLUMNS}"
)


async def pause_run(connection: Driver, run_id: uuid.UUID, reason: str) -> RunRow | None:
    """Pause the run if it is live; the paused run, or None."""
    record = await connection.fetchrow(_PAUSE_RUN, run_id, reason)
    return _run_row(record) if record is not None else None


_ADD_RUN_COST = (
    "UPDATE runs SET cost_usd = cost_usd + $2, input_tokens = input_tokens + $3, "
    "output_tokens = output_tokens + $4 WHERE id = $1"
)


async def add_run_cost(
    connection: Driver, run_id: uuid.UUID, *, usd: Decimal, input_tokens: int,
    output_tokens: int,
) -> None:  # fmt: skip
    if usd or input_tokens or output_tokens:
        await connection.execute(_ADD_RUN_COST, run_id, usd, input_tokens, output_tokens)


async def graph_version(
    connection: Driver, version_id: uuid.UUID
) -> tuple[dict[str, Any], int] | None:
    """A graph version's document and number."""
    record = await connection.fetchrow(
        "SELECT document, version FROM graph_versions WHERE id = $1", version_id
    )
    return (record["document"], record["version"]) if record is not None else None


# --- node runs ---------------------------------------------------------------------------------

_NODE_STATES = (
    "SELECT node_id, status, output, error FROM node_runs "
    f"WHERE run_id = $1 AND {_TOP_LEVEL} AND node_id <> ALL($2::text[])"
)


async def node_states(
    connection: Driver, run_id: uuid.UUID, *, known: Sequence[str] = ()
) -> list[NodeStateRow]:
    """The states of a run's node runs, but those of the nodes in ``known`` (final states the
    caller read before: they never change)."""
    records = await connection.fetch(_NODE_STATES, run_id, known)
    return [NodeStateRow(*record) for record in records]


def _insert_node_runs_sql(source: str, expressions: Mapping[str, str]) -> str:
    """Insert node runs expanded from the ``jsonb`` of ``source`` (a column taken from
    ``expressions`` instead when it names one), unless the node has a run already."""
    select = ", ".join(
        expressions.get(column.name, f'"{column.name}"') for column in table_of(NodeRun).columns
    )
    return (
        f"INSERT INTO node_runs ({_NODE_RUN_COLUMNS}) SELECT {select} FROM {source} "
        "ON CONFLICT ON CONSTRAINT uq_node_runs_run_node DO NOTHING "
        f"RETURNING {_NODE_RUN_COLUMNS}"
    )


_ADD_NODE_RUNS = _insert_node_runs_sql("jsonb_populate_recordset(NULL::node_runs, $1)", {})


async def add_node_runs(
    connection: Driver, run_id: uuid.UUID, rows: Sequence[tuple[str, str, str]]
) -> list[NodeRunRow]:
    """Insert ``(node_id, node_type, status)`` rows unless the node has a run; those inserted."""
    if not rows:
        return []
    new = [NodeRunRow(run_id=run_id, node_id=n, node_type=t, status=s) for n, t, s in rows]
    records = await connection.fetch(_ADD_NODE_RUNS, encode_json([r.as_row() for r in new]))
    return [_node_run_row(record) for record in records]


def _insert_leased_sql(row: str, lease_seconds: str, *, where: str = "") -> str:
    """Insert the node run of the ``jsonb`` record ``row``, leased for ``lease_seconds`` from
    now by the database's clock (as the reaper reads leases)."""
    return _insert_node_runs_sql(
        f"jsonb_populate_record(NULL::node_runs, {row}) {where}",
        {"created_at": "now()", "updated_at": "now()", "started_at": "now()",
         "lease_expires_at": f"now() + make_interval(secs => {lease_seconds})"},
    )  # fmt: skip


def _leased_row(run_id: uuid.UUID, node_id: str, node_type: str, owner: str) -> str:
    """A node run at the start of its first attempt, leased to ``owner``, as a ``jsonb`` record."""
    row = NodeRunRow(
        run_id=run_id, node_id=node_id, node_type=node_type, status=NodeRunStatus.running,
        attempt=1, lease_owner=owner,
    )  # fmt: skip
    return encode_json(row.as_row())


_ADD_LEASED_NODE_RUN = _insert_leased_sql("$1", "$2")


async def add_leased_node_run(
    connection: Driver, run_id: uuid.UUID, node_id: str, node_type: str, *,
    owner: str, lease_seconds: float,
) -> NodeRunRow | None:  # fmt: skip
    """Insert a node run already leased to ``owner`` for its first attempt (what
    :func:`claim_node_run` would make of a queued one), for a worker that runs it next itself;
    None if the node already has a run."""
    record = await connection.fetchrow(
        _ADD_LEASED_NODE_RUN, _leased_row(run_id, node_id, node_type, owner), lease_seconds
    )
    return _node_run_row(record) if record is not None else None


#: The statuses looked for are parameters (``$4``: queued, ``$5``: running), as in
#: :func:`_record_sql`: with constants, the cached plan read the partial lease index.
_CLAIM = (
    "UPDATE node_runs SET status = 'running', attempt = attempt + 1, lease_owner = $2, "
    "lease_expires_at = now() + make_interval(secs => $3), "
    "started_at = coalesce(started_at, now()), updated_at = now() "
    "WHERE id = $1 AND ("
    "(status = $4::text AND (next_attempt_at IS NULL OR next_attempt_at <= now())) "
    "OR (status = $5::text AND lease_expires_at < now())) "
    f"AND EXISTS (SELECT FROM runs WHERE runs.id = node_runs.run_id AND runs.status IN ({_LIVE})) "
    f"RETURNING {_NODE_RUN_COLUMNS}"
)


async def claim_node_run(
    connection: Driver, node_run_id: uuid.UUID, *, owner: str, lease_seconds: float
) -> NodeRunRow | None:
    """Take the lease of a queued (or abandoned) node run of a live run; None if not ours to run."""
    record = await connection.fetchrow(
        _CLAIM, node_run_id, owner, lease_seconds, NodeRunStatus.queued, NodeRunStatus.running
    )
    return _node_run_row(record) if record is not None else None


@lru_cache(maxsize=32)
def _record_sql(columns: tuple[str, ...], *, first: int, running: int, locked: bool) -> str:
    """Record an outcome (the columns of the ``jsonb`` record ``$<first + 2>``) on node run
    ``$<first>`` if ``$<first + 1>`` holds its lease and it is ``$<running>`` (``running``);
    with ``locked``, only once the CTE ``locked`` holds the run's lock.

    The status is a parameter, not a constant: with the constant, PostgreSQL's cached plan
    looked the row up through the partial lease index instead of the primary key, reading
    every queued and running node run of every run.
    """
    node, owner, values = (f"${first + i}" for i in range(3))
    return (
        f"UPDATE node_runs SET {_set_from('node_runs', columns, COUNTERS)}, "
        "lease_owner = NULL, lease_expires_at = NULL, updated_at = now() "
        f"FROM jsonb_populate_record(NULL::node_runs, {values}) AS v "
        f"WHERE node_runs.id = {node} AND node_runs.lease_owner = {owner} "
        f"AND node_runs.status = ${running}::text"
        + (" AND EXISTS (SELECT FROM locked)" if locked else "")
        + f" RETURNING {column_list(NodeRun, of='node_runs')}"
    )


async def record_outcome(
    connection: Driver, node_run_id: uuid.UUID, *, owner: str, values: dict[str, Any]
) -> NodeRunRow | None:
    """Write an attempt's result if we still hold the lease (fencing); the updated node run, or
    None if the lease was lost. :data:`COUNTERS` in ``values`` are added, the rest set."""
    statement = _record_sql(tuple(sorted(values)), first=1, running=4, locked=False)
    record = await connection.fetchrow(
        statement, node_run_id, owner, encode_json(values), NodeRunStatus.running
    )
    return _node_run_row(record) if record is not None else None


@dataclass
class Recorded:
    """What :func:`record_and_lock_run` wrote and read."""

    #: The node run as recorded.
    row: NodeRunRow
    #: The run's status (it is live, locked until the transaction ends, and was charged).
    run_status: str
    #: The states of the run's other node runs (but the ``known`` ones).
    states: list[NodeStateRow]
    #: False when another transaction advanced the run between the start of the statement and
    #: the moment its lock was granted: ``states`` may miss what it did (read them again).
    fresh: bool


@lru_cache(maxsize=16)
def _record_and_lock_sql(columns: tuple[str, ...]) -> str:
    # The node run is updated only once the run is locked (the lock order of every advance).
    # ``seen`` is the run row as this statement's snapshot sees it: another version than the
    # one locked if an advance committed in between (every advance updates the run row).
    # The run is locked by its primary key alone, then its status checked (see
    # _record_and_continue_sql); xmin is the version the last update wrote (a lock sets xmax).
    return (
        "WITH run AS (SELECT id, status, xmin::text AS version FROM runs WHERE id = $1 "
        "FOR UPDATE), "
        f"locked AS (SELECT id, version FROM run WHERE status IN ({_LIVE})), "
        "touched AS (UPDATE runs SET updated_at = now(), cost_usd = runs.cost_usd + $5, "
        "input_tokens = runs.input_tokens + $6, output_tokens = runs.output_tokens + $7 "
        "FROM locked WHERE runs.id = locked.id RETURNING runs.status), "
        f"recorded AS ({_record_sql(columns, first=2, running=9, locked=True)}) "
        "SELECT recorded.*, touched.status AS run_status, "
        "locked.version = (SELECT seen.xmin::text FROM runs AS seen WHERE seen.id = $1) AS fresh, "
        "(SELECT coalesce(jsonb_agg(jsonb_build_array(node_id, status, output, error)), '[]') "
        f"FROM node_runs WHERE run_id = $1 AND {_TOP_LEVEL} AND id <> $2 "
        "AND node_id <> ALL($8::text[])) AS states "
        "FROM recorded, touched, locked"
    )


async def record_and_lock_run(
    connection: Driver, run_id: uuid.UUID, node_run_id: uuid.UUID, *, owner: str,
    values: dict[str, Any], usd: Decimal, input_tokens: int, output_tokens: int,
    known: Sequence[str] = (),
) -> Recorded | None:  # fmt: skip
    """In one round trip: lock the live run and charge it the attempt's cost (as
    :func:`lock_live_run`), record the outcome (as :func:`record_outcome`) and read the run's
    other node states (as :func:`node_states`, but the ``known`` ones). None if the run is not
    live or the lease was lost (then nothing was recorded; the transaction should roll back)."""
    record = await connection.fetchrow(
        _record_and_lock_sql(tuple(sorted(values))), run_id, node_run_id, owner,
        encode_json(values), usd, input_tokens, output_tokens, known, NodeRunStatus.running,
    )  # fmt: skip
    if record is None:
        return None
    fields = dict(record)
    run_status, fresh, states = fields.pop("run_status"), fields.pop("fresh"), fields.pop("states")
    return Recorded(
        _node_run_row(fields), run_status, [NodeStateRow(*state) for state in states], fresh
    )


_CANCEL_PENDING = (
    "UPDATE node_runs SET status = 'cancelled', finished_at = now(), updated_at = now(), "
    "lease_owner = NULL WHERE run_id = $1 AND status = ANY($2::text[])"
)


async def cancel_pending(connection: Driver, run_id: uuid.UUID, *, running: bool = False) -> None:
    """Mark node runs that have not started (or are paused) as cancelled; with ``running``, the
    ones in flight too (their workers lose the lease and stop at the next renewal)."""
    statuses = [NodeRunStatus.queued, NodeRunStatus.paused]
    if running:
        statuses.append(NodeRunStatus.running)
    await connection.execute(_CANCEL_PENDING, run_id, statuses)


@lru_cache(maxsize=16)
def _record_and_continue_sql(columns: tuple[str, ...]) -> str:
    # As _record_and_lock_sql, with the next node's run inserted once the outcome is recorded,
    # for a run that is running (one that has not started is advanced the long way).
    # The run is locked by its primary key alone (its status is checked once locked: the cached
    # plan read the partial index of live runs instead). ``touched`` gives the row the new
    # version an advance waiting on the lock looks for (see _record_and_lock_sql) without
    # changing an indexed column, so PostgreSQL writes it in place (a HOT update): setting
    # ``updated_at`` wrote an entry in each of the table's indexes at every step. A run whose
    # chain is in flight has a leased node run, which is what the reaper looks at.
    return (
        "WITH run AS (SELECT id, status FROM runs WHERE id = $1 FOR UPDATE), "
        "locked AS (SELECT id FROM run WHERE status = 'running'), "
        "touched AS (UPDATE runs SET updated_at = runs.updated_at FROM locked "
        "WHERE runs.id = locked.id), "
        f"recorded AS ({_record_sql(columns, first=2, running=7, locked=True)}), "
        f"following AS ({_insert_leased_sql('$5', '$6', where='WHERE EXISTS (TABLE recorded)')}) "
        "SELECT true AS recorded, * FROM recorded UNION ALL SELECT false, * FROM following"
    )


async def record_and_continue(
    connection: Driver, run_id: uuid.UUID, node_run_id: uuid.UUID, *, owner: str,
    values: dict[str, Any], following: tuple[str, str], lease_seconds: float,
) -> tuple[NodeRunRow, NodeRunRow | None] | None:  # fmt: skip
    """One chain step in one statement, its own transaction: lock the running run, record the
    outcome (as :func:`record_outcome`, without cost) and insert the run of the node it makes
    ready, ``following`` (node id and type), leased to ``owner`` (as
    :func:`add_leased_node_run`). The recorded node run and the new one (None if that node has
    a run already); None if the run is not running or the lease was lost (nothing written).

    Only for a node whose outcome alone decides what happens next
    (:func:`kyra.engine.scheduler.sole_successor`): no other node state is read."""
    node_id, node_type = following
    records = await connection.fetch(
        _record_and_continue_sql(tuple(sorted(values))), run_id, node_run_id, owner,
        encode_json(values), _leased_row(run_id, node_id, node_type, owner), lease_seconds,
        NodeRunStatus.running,
    )  # fmt: skip
    found: dict[bool, NodeRunRow] = {}
    for record in records:
        fields = dict(record)
        recorded = fields.pop("recorded")
        found[recorded] = _node_run_row(fields)
    if True not in found:
        return None
    return found[True], found.get(False)
