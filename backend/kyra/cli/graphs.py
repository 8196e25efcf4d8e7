"""``kyra graphs import|export``: graphs as stably formatted JSON files a team keeps in git.

PostgreSQL's JSONB does not keep key order, so files are written in one canonical order: the
document's own keys as DESIGN §5 lists them, every other key sorted. The same graph therefore
always exports to the same bytes, whatever order the file it came from used.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kyra.cli.database import admin_session
from kyra.cli.errors import CliError
from kyra.db.models import Graph
from kyra.db.queries.graphs import (
    create_graph,
    find_graph_by_name,
    get_graph,
    latest_version,
    save_version,
)
from kyra.errors import KyraError, NotFoundError
from kyra.graph.validate import validate_document
from kyra.registry import default_registry
from kyra.settings import Settings

#: Key order of the document's structural objects, by path of keys from the root.
_KEY_ORDER: dict[tuple[str, ...], tuple[str, ...]] = {
    (): ("schema", "name", "description", "nodes", "edges", "notes", "settings"),
    ("nodes",): ("id", "type", "name", "params", "position", "settings", "credentials"),
    ("nodes", "position"): ("x", "y"),
    ("edges",): ("source", "sourcePort", "target", "targetPort"),
    ("notes",): ("id", "text", "position", "size"),
    ("notes", "position"): ("x", "y"),
    ("notes", "size"): ("width", "height"),
}


def format_document(document: dict[str, Any]) -> str:
    """The canonical file text of a graph document: 2-space indent, trailing newline."""
    return json.dumps(_canonical(document, ()), indent=2, ensure_ascii=False) + "\n"


def _canonical(value: Any, path: tuple[str, ...]) -> Any:
    if isinstance(value, list):
        return [_canonical(item, path) for item in value]
    if not isinstance(value, dict):
        return value
    known = _KEY_ORDER.get(path, ())
    keys = [k for k in known if k in value] + sorted(k for k in value if k not in known)
    return {key: _canonical(value[key], (*path, key)) for key in keys}


def export_file_name(name: str) -> str:
    """A safe file name for a graph name: ``My graph/2`` → ``My-graph-2.json``."""
    return (re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "graph") + ".json"


def import_graphs(settings: Settings, files: Sequence[str]) -> int:
    """Import each file; returns 1 when any was refused (the others are still imported)."""
    documents = [(path, _read_document(Path(path))) for path in files]
    registry = default_registry()
    failed = False
    for path, document in documents:
        errors = validate_document(document, registry)
        if errors:
            failed = True
            print(f"{path}: invalid graph, not imported", file=sys.stderr)
            for error in errors:
                where = ".".join(p for p in (error.node_id, error.field) if p) or "document"
                print(f"  {where}: {error.message} ({error.code})", file=sys.stderr)
            continue
        try:
            print(f"{path}: {asyncio.run(_import_one(settings, document))}")
        except KyraError as exc:
            failed = True
            print(f"{path}: not imported: {exc}", file=sys.stderr)
    return 1 if failed else 0


def _read_document(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise CliError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise CliError(f"{path} does not hold a graph document (a JSON object)")
    return document


async def _import_one(settings: Settings, document: dict[str, Any]) -> str:
    async with admin_session(settings) as (session, admin_id):
        graph = await find_graph_by_name(session, owner_id=admin_id, name=document["name"])
        triggers = default_registry().service_triggers()
        if graph is None:
            graph = await create_graph(
                session, owner_id=admin_id, document=document, triggers=triggers
            )
            return f"created graph {graph.name!r} ({graph.id}), version 1"
        if (await latest_version(session, graph.id)).document == document:
            return f"graph {graph.name!r} unchanged (version {graph.version})"
        version = await save_version(session, graph, document, triggers=triggers)
        return f"saved graph {graph.name!r} ({graph.id}) as version {version.version}"


def export_graphs(
    settings: Settings, refs: Sequence[str], *, output: str | None, directory: str | None
) -> int:
    exported = asyncio.run(_export(settings, refs))
    if directory is None and output is None:
        sys.stdout.write("".join(text for _, text in exported))
        return 0
    for name, text in exported:
        path = Path(output) if output else Path(directory or ".") / export_file_name(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}", file=sys.stderr)
    return 0


async def _export(settings: Settings, refs: Sequence[str]) -> list[tuple[str, str]]:
    exported = []
    async with admin_session(settings) as (session, admin_id):
        for ref in refs:
            graph = await _find(session, admin_id, ref)
            document = (await latest_version(session, graph.id)).document
            exported.append((graph.name, format_document(document)))
    return exported


async def _find(session: AsyncSession, owner_id: uuid.UUID, ref: str) -> Graph:
    graph = await find_graph_by_name(session, owner_id=owner_id, name=ref)
    if graph is not None:
        return graph
    try:
        return await get_graph(session, owner_id=owner_id, graph_id=uuid.UUID(ref))
    except (ValueError, NotFoundError):
        raise CliError(f"no graph named or with id {ref!r}") from None
