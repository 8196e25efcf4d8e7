"""``python -m kyra.worker [dramatiq options]``: the Dramatiq CLI on ``kyra.worker.actors``.

Sets how long an idle consumer may wait between polls of Redis before Dramatiq is imported (it
reads that once); its default of one second would add up to a second to every queue hop.
"""

from __future__ import annotations

import os
import sys

from kyra.settings import get_settings


def main() -> None:
    os.environ.setdefault("dramatiq_worker_timeout", str(get_settings().worker_poll_ms))
    from dramatiq.cli import main as dramatiq_main

    sys.argv = ["dramatiq", "kyra.worker.actors", *sys.argv[1:]]
    sys.exit(dramatiq_main())


if __name__ == "__main__":
    main()
