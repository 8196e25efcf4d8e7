"""``python -m kyra.worker [dramatiq options]``: the Dramatiq CLI on ``kyra.worker.actors``.

Sets how long an idle consumer may wait between polls of Redis before Dramatiq is imported (it
reads that once); its default of one second would add up to a second to every queue hop. A
worker process dying while Dramatiq boots ends the command at once (see :mod:`.boot_watch`).
"""

from __future__ import annotations

import os
import sys

from kyra.settings import get_settings
from kyra.worker.boot_watch import watch_boot


def main() -> None:
    os.environ.setdefault("dramatiq_worker_timeout", str(get_settings().worker_poll_ms))
    from dramatiq.cli import main as dramatiq_main

    sys.argv = ["dramatiq", "kyra.worker.actors", *sys.argv[1:]]
    watch_boot()
    sys.exit(dramatiq_main())


if __name__ == "__main__":
    main()
