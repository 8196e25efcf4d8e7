"""The ``kyra`` command: run the product (up, api, worker, scheduler) and administer it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from kyra.cli.errors import CliError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kyra",
        description="Kyra Flow: visual workflows for automation and AI agents.",
        epilog="Settings come from the environment (DATABASE_URL, REDIS_URL, KYRA_*).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser(
        "up",
        help="start everything locally: database, Redis, API and a worker",
        description="Start PostgreSQL and Redis (unless DATABASE_URL / REDIS_URL are set), "
        "apply migrations, then run the API and a worker until Ctrl-C.",
    )

    commands.add_parser("api", help="serve the HTTP API and web app on KYRA_HOST:KYRA_PORT")
    worker = commands.add_parser("worker", help="run a Dramatiq worker (scale by running more)")
    worker.add_argument("--processes", type=_positive, metavar="N", help="worker processes")
    worker.add_argument("--threads", type=_positive, metavar="M", help="threads per process")

    commands.add_parser("scheduler", help="run the schedule trigger loop")
    commands.add_parser("migrate", help="apply database migrations to DATABASE_URL")

    api_key = commands.add_parser("api-key", help="manage API keys")
    api_key_commands = api_key.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = api_key_commands.add_parser("create", help="print a new API key of the admin user")
    create.add_argument("--name", required=True, help="label telling this key apart")

    credentials = commands.add_parser("credentials", help="administer stored credentials")
    credential_commands = credentials.add_subparsers(dest="action", required=True, metavar="ACTION")
    rotate = credential_commands.add_parser(
        "rotate-key",
        help="re-encrypt every stored secret with the first key of the key ring",
        description="Re-encrypt credentials and secrets with the first key of KYRA_SECRET_KEY "
        "(or of the key file). Safe while everything runs; see docs/operations.md.",
    )
    rotate.add_argument(
        "--new-key", action="store_true", help="first put a new key in front of the key file"
    )
    rotate.add_argument(
        "--drop-old-keys",
        action="store_true",
        help="afterwards keep only the first key in the key file",
    )

    graphs = commands.add_parser("graphs", help="import and export graph JSON files")
    graph_commands = graphs.add_subparsers(dest="action", required=True, metavar="ACTION")
    imp = graph_commands.add_parser(
        "import", help="create graphs, or save a new version of a graph with the same name"
    )
    imp.add_argument("files", nargs="+", metavar="FILE")
    exp = graph_commands.add_parser("export", help="write the newest version of graphs as JSON")
    exp.add_argument("graphs", nargs="+", metavar="NAME|ID")
    target = exp.add_mutually_exclusive_group()
    target.add_argument("-o", "--output", metavar="FILE", help="write to FILE (one graph only)")
    target.add_argument("--dir", metavar="DIR", help="write DIR/<name>.json per graph")
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    exporting = args.command == "graphs" and args.action == "export"
    if exporting and args.output and len(args.graphs) > 1:
        parser.error("-o/--output takes one graph; use --dir for several")
    try:
        return _run(args)
    except CliError as exc:
        print(f"kyra: error: {exc}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    # Imported per command so that `kyra worker` does not load the database layer, and so on.
    from kyra.settings import get_settings

    settings = get_settings()
    if args.command == "up":
        from kyra.cli.up import run_up

        return run_up(settings)
    if args.command == "api":
        from kyra.cli.processes import exec_api

        exec_api(settings)
    if args.command == "worker":
        from kyra.cli.processes import exec_worker

        exec_worker(settings, processes=args.processes, threads=args.threads)
    if args.command == "scheduler":
        from kyra.cli.processes import exec_scheduler

        exec_scheduler(settings)
    if args.command in ("migrate", "api-key"):
        from kyra.cli.database import create_key, migrate

        return migrate(settings) if args.command == "migrate" else create_key(settings, args.name)
    if args.command == "credentials":
        from kyra.cli.credentials import rotate_key

        return rotate_key(settings, new_key=args.new_key, drop_old_keys=args.drop_old_keys)
    from kyra.cli.graphs import export_graphs, import_graphs

    if args.action == "import":
        return import_graphs(settings, args.files)
    return export_graphs(settings, args.graphs, output=args.output, directory=args.dir)
