"""Webhook ingress lookups and per-graph signing secrets."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from kyra.db.models import Graph, Run, Webhook


async def find_route(session: AsyncSession, path: str) -> tuple[Webhook, Graph] | None:
    """The webhook at ``path`` with its graph, fetched in one round trip.

    Call it first in a fresh session: it reads in autocommit (no BEGIN/ROLLBACK round trips).
    """
    await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    row = (
        await session.execute(
            select(Webhook, Graph)
            .join(Graph, Graph.id == Webhook.graph_id)  # type: ignore[arg-type]
            .where(Webhook.path == path.strip("/"))
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def set_secret(session: AsyncSession, graph: Graph, secret_enc: bytes | None) -> None:
    """Store (or with None, remove) the graph's encrypted signing secret."""
    await session.execute(
        update(Graph).where(Graph.id == graph.id).values(webhook_secret_enc=secret_enc)  # type: ignore[arg-type]
    )


async def insert_placeholder(session: AsyncSession, row: dict[str, Any]) -> None:
    """A ``running`` row for a sync run still in memory; a row already there wins."""
    statement = pg_insert(Run).values(row).on_conflict_do_nothing(index_elements=[Run.id])
    await session.execute(statement)
