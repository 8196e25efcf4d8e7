"""``python -m kyra.scheduler [--once]``: the scheduler process (``kyra up`` starts one)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from kyra.settings import get_settings


async def _main(*, once: bool) -> None:
    from kyra.scheduler.loop import fire_due, run_scheduler
    from kyra.wiring import build_services

    services = build_services(get_settings())
    try:
        if once:
            await fire_due(services)
            return
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        logging.getLogger("kyra.scheduler").info("scheduler started")
        await run_scheduler(services, stop=stop)
    finally:
        await services.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="kyra scheduler", description=__doc__)
    parser.add_argument(
        "--once", action="store_true", help="one pass over due schedules, then exit"
    )
    args = parser.parse_args()
    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    asyncio.run(_main(once=args.once))


if __name__ == "__main__":
    main()
