"""Fault suite, long version: faults injected by PID into a real ``kyra up``, and what they did.

Starts ``kyra up`` as a user does (the venv's ``kyra``, a temporary data folder, its own
embedded PostgreSQL and Valkey), then, one scenario after the other: the worker process SIGKILLed
mid-node (``--kills`` runs), the API SIGKILLed under stored sync runs, Valkey SIGKILLed and
frozen, PostgreSQL restarted under mixed load, and a worker crash loop. Side effects are counted
by a local HTTP service the graphs call (``HTTP.request``, ``KYRA_HTTP_ALLOW_HOSTS=127.0.0.1``).
Prints one Markdown row per scenario: runs, terminal statuses, runs still unfinished after
``--minutes``, time to completion, completed nodes re-run, duplicate side effects (and how many
repeated the first request's Idempotency-Key), dead-lettered messages and the HTTP statuses
clients saw during the outage. The ``tests/system/test_faults.py`` suite runs the same
scenarios at CI size.

Usage: ``python bench/faults.py [--kills 10] [--minutes 2] [--lease 30] [--only api-kill ...]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.system import faults
from tests.system.stack import KyraStack


def scenarios(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    deadline = args.minutes * 60
    return {
        "worker-kill": {"times": args.kills, "deadline": deadline},
        "api-kill": {"runs": 10, "deadline": deadline},
        "valkey-kill": {"runs": 20, "deadline": deadline},
        "valkey-freeze": {"seconds": 20, "runs": 20, "deadline": deadline},
        "postgres-restart": {"warmup_runs": 50, "deadline": deadline},
        "worker-crash-loop": {"crashes": 6, "deadline": deadline},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kills", type=int, default=10, help="worker kills mid-node")
    parser.add_argument("--minutes", type=float, default=2.0, help="deadline for runs to finish")
    parser.add_argument("--lease", type=float, default=30.0, help="KYRA_LEASE_SECONDS")
    parser.add_argument("--only", nargs="*", choices=list(faults.SCENARIOS), default=None)
    args = parser.parse_args()
    env = {
        "KYRA_LEASE_SECONDS": str(args.lease),
        "KYRA_HTTP_ALLOW_HOSTS": "127.0.0.1",
        "KYRA_LOG_LEVEL": "WARNING",
    }
    effects = faults.EffectServer().start()
    reports = []
    data = Path(tempfile.mkdtemp(prefix="kyra-faults-")) / "data"
    with KyraStack(data, env=env).start() as stack:
        for name, options in scenarios(args).items():
            if args.only and name not in args.only:
                continue
            print(f"running {name} ...", file=sys.stderr, flush=True)
            reports.append(faults.SCENARIOS[name](stack, effects, **options))
            print(faults.format_reports(reports[-1:], title=name), end="\n\n", flush=True)
    effects.stop()
    print(faults.format_reports(reports, title=f"Fault suite (lease {args.lease:.0f} s)"))


if __name__ == "__main__":
    main()
