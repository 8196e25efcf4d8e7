"""``kyra graphs import|export`` and ``kyra api-key create`` against a fresh real database."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from kyra.cli.database import create_key
from kyra.cli.errors import CliError
from kyra.cli.graphs import export_graphs, format_document, import_graphs
from kyra.db.engine import create_engine
from kyra.db.migrate import upgrade
from kyra.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "graphs").glob("*.json"))


@pytest.fixture
async def settings(database_url: str, tmp_path: Path) -> AsyncIterator[Settings]:
    """Settings pointing at a database of its own (webhook paths are unique per database)."""
    name = f"cli_{uuid.uuid4().hex[:12]}"
    server = create_engine(database_url, pool_size=1).execution_options(
        isolation_level="AUTOCOMMIT"
    )
    async with server.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield Settings(DATABASE_URL=url, REDIS_URL="", data_dir=tmp_path / "data")
    async with server.connect() as conn:
        await conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    await server.dispose()


@pytest.mark.skipif(not EXAMPLES, reason="no example graphs in graphs/ yet")
def test_export_import_export_is_byte_identical(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the example graphs imported once
    assert import_graphs(settings, [str(p) for p in EXAMPLES]) == 0
    assert capsys.readouterr().out.count("created graph") == len(EXAMPLES)
    names = [json.loads(p.read_text())["name"] for p in EXAMPLES]

    # When they are exported, imported again and exported again
    first, second = tmp_path / "first", tmp_path / "second"
    assert export_graphs(settings, names, output=None, directory=str(first)) == 0
    exported = sorted(first.glob("*.json"))
    assert import_graphs(settings, [str(p) for p in exported]) == 0
    assert capsys.readouterr().out.count("unchanged") == len(EXAMPLES)
    assert export_graphs(settings, names, output=None, directory=str(second)) == 0

    # I expect the same bytes, in the canonical format
    for path in exported:
        assert (second / path.name).read_bytes() == path.read_bytes()
        assert format_document(json.loads(path.read_text())) == path.read_text()


@pytest.mark.skipif(not EXAMPLES, reason="no example graphs in graphs/ yet")
def test_importing_a_changed_graph_saves_a_new_version(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(EXAMPLES[0].read_text())
    original = tmp_path / "graph.json"
    original.write_text(json.dumps(document))
    assert import_graphs(settings, [str(original)]) == 0
    graph_id = capsys.readouterr().out.split("(")[1].split(")")[0]

    document["description"] = "changed by a teammate"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(document))
    assert import_graphs(settings, [str(changed)]) == 0
    assert "as version 2" in capsys.readouterr().out

    # Exporting by id to one file gives the newest version
    out = tmp_path / "out" / "by-id.json"
    assert export_graphs(settings, [graph_id], output=str(out), directory=None) == 0
    assert json.loads(out.read_text())["description"] == "changed by a teammate"


def test_an_invalid_graph_is_reported_and_not_imported(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"schema": "kyra.graph/1", "name": "bad", "nodes": [
        {"id": "x", "type": "No.such_node"}
    ]}))  # fmt: skip

    assert import_graphs(settings, [str(bad)]) == 1

    assert "invalid graph, not imported" in capsys.readouterr().err
    with pytest.raises(CliError, match="no graph named"):
        export_graphs(settings, ["bad"], output=None, directory=None)


def test_unreadable_files_are_refused_before_anything_is_imported(
    settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "list.json").write_text("[]")

    with pytest.raises(CliError, match="does not hold a graph document"):
        import_graphs(settings, [str(tmp_path / "list.json")])
    with pytest.raises(CliError, match="cannot read"):
        import_graphs(settings, [str(tmp_path / "missing.json")])


def test_commands_without_a_database_say_how_to_get_one(tmp_path: Path) -> None:
    settings = Settings(DATABASE_URL="", REDIS_URL="", data_dir=tmp_path)

    with pytest.raises(CliError, match="set DATABASE_URL, or start `kyra up`"):
        export_graphs(settings, ["hello"], output=None, directory=None)


def test_api_key_create_prints_only_a_new_key(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert create_key(settings, "ci") == 0

    key = capsys.readouterr().out.strip()
    assert key.startswith("kyra_") and "\n" not in key
