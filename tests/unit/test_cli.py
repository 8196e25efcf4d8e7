"""The ``kyra`` command line: argument parsing and the canonical graph file format."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kyra.cli import build_parser, main
from kyra.cli.graphs import export_file_name, format_document
from kyra.cli.processes import api_argv, worker_argv
from kyra.cli.runtime import read_runtime, with_running_servers
from kyra.settings import Settings


def test_worker_options_are_optional_and_positive() -> None:
    parser = build_parser()

    assert parser.parse_args(["worker"]).processes is None
    args = parser.parse_args(["worker", "--processes", "3", "--threads", "2"])
    assert (args.processes, args.threads) == (3, 2)
    with pytest.raises(SystemExit):
        parser.parse_args(["worker", "--processes", "0"])


def test_worker_runs_dramatiq_on_the_actors_module_through_kyra_worker() -> None:
    argv = worker_argv(processes=2, threads=4)

    assert argv[1:3] == ["-m", "kyra.worker"]
    assert argv[3:] == ["--processes", "2", "--threads", "4"]


def test_api_serves_the_app_factory_where_settings_say() -> None:
    argv = api_argv(Settings(host="0.0.0.0", port=9001, log_level="WARNING"))

    assert argv[1:5] == ["-m", "uvicorn", "--factory", "kyra.api.app:create_app"]
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    assert argv[argv.index("--port") + 1] == "9001"
    assert argv[argv.index("--log-level") + 1] == "warning"
    assert argv[argv.index("--workers") + 1] == "1"
    assert build_parser().parse_args(["api"]).command == "api"


def test_graph_commands_take_files_and_names() -> None:
    parser = build_parser()

    imported = parser.parse_args(["graphs", "import", "a.json", "b.json"])
    exported = parser.parse_args(["graphs", "export", "hello", "--dir", "out"])

    assert imported.files == ["a.json", "b.json"]
    assert (exported.graphs, exported.dir, exported.output) == (["hello"], "out", None)


def test_export_refuses_one_output_file_for_several_graphs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["graphs", "export", "a", "b", "-o", "x.json"])

    assert "use --dir" in capsys.readouterr().err


def test_api_key_create_needs_a_name() -> None:
    parser = build_parser()

    assert parser.parse_args(["api-key", "create", "--name", "ci"]).name == "ci"
    with pytest.raises(SystemExit):
        parser.parse_args(["api-key", "create"])


def test_a_command_is_required() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args([])


def test_documents_are_written_in_canonical_key_order() -> None:
    # Given a document as JSONB hands it back (keys ordered by length, then bytes)
    stored = {
        "name": "hello",
        "edges": [{"source": "a", "target": "b", "sourcePort": "out", "targetPort": "in"}],
        "nodes": [
            {"id": "b", "type": "Core.set", "params": {"zeta": 1, "alpha": {"y": 2, "b": 1}}},
            {"id": "a", "name": "Hook", "type": "Webhook.trigger", "position": {"y": 5, "x": 1}},
        ],
        "schema": "kyra.graph/1",
        "description": "Say hello",
    }

    text = format_document(stored)

    # I expect DESIGN's order for the document's own keys and sorted keys elsewhere
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert list(json.loads(text)) == ["schema", "name", "description", "nodes", "edges"]
    node_b, node_a = json.loads(text)["nodes"]
    assert list(node_a) == ["id", "type", "name", "position"]
    assert list(node_a["position"]) == ["x", "y"]
    assert list(node_b["params"]) == ["alpha", "zeta"]
    assert list(node_b["params"]["alpha"]) == ["b", "y"]
    assert list(json.loads(text)["edges"][0]) == ["source", "sourcePort", "target", "targetPort"]
    assert '\n  "name": "hello",\n' in text  # two-space indent


def test_formatting_is_stable_whatever_the_input_order() -> None:
    document = {"schema": "kyra.graph/1", "name": "ünïcode", "nodes": [], "edges": []}
    shuffled = dict(reversed(list(document.items())))

    first = format_document(document)

    assert format_document(shuffled) == first
    assert format_document(json.loads(first)) == first
    assert "ünïcode" in first  # not \u-escaped


def test_export_file_names_are_safe() -> None:
    assert export_file_name("hello") == "hello.json"
    assert export_file_name("My graph/../2") == "My-graph-..-2.json"
    assert export_file_name("///") == "graph.json"


def test_a_runtime_file_of_a_dead_or_foreign_process_is_ignored(tmp_path: Path) -> None:
    assert read_runtime(tmp_path) is None
    (tmp_path / "runtime.json").write_text(json.dumps({"pid": 1, "database_url": "postgresql://x"}))

    assert read_runtime(tmp_path) is None  # pid 1 is not a kyra process
    settings = with_running_servers(Settings(DATABASE_URL="", REDIS_URL="", data_dir=tmp_path))
    assert settings.database_url == ""


def test_a_running_kyra_up_provides_the_server_urls(tmp_path: Path) -> None:
    # Given a live process whose command line names kyra, recorded as a running `kyra up`
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "kyra"]) as proc:
        try:
            # Until the child has exec'd, its command line is still this process's.
            cmdline = Path(f"/proc/{proc.pid}/cmdline")
            while cmdline.exists() and b"kyra" not in cmdline.read_bytes():
                time.sleep(0.01)
            info = {"pid": proc.pid, "database_url": "postgresql://db", "redis_url": "redis://r"}
            (tmp_path / "runtime.json").write_text(json.dumps(info))

            # I expect unset URLs filled in, and URLs from the environment kept
            found = with_running_servers(Settings(DATABASE_URL="", REDIS_URL="", data_dir=tmp_path))
            own = with_running_servers(
                Settings(DATABASE_URL="postgresql://mine", REDIS_URL="", data_dir=tmp_path)
            )
        finally:
            proc.kill()

    assert (found.database_url, found.redis_url) == ("postgresql://db", "redis://r")
    assert (own.database_url, own.redis_url) == ("postgresql://mine", "redis://r")
