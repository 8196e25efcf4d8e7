"""Pure schedule arithmetic: next fire times in a time zone, and what to do with a due one.

Below the database layer and the scheduler process, which both compute fire times with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter

#: Occurrences counted at most when catching up (a per-second cron down for a week stops here).
MAX_CATCH_UP = 10_000


def next_fire_time(cron: str, timezone: str, after: datetime) -> datetime:
    """The first occurrence strictly after ``after``, in UTC (DST handled in ``timezone``)."""
    zone = ZoneInfo(timezone)
    found = croniter(cron, after.astimezone(zone)).get_next(datetime)
    return found.astimezone(UTC)


@dataclass(frozen=True)
class Firing:
    """The decision for a schedule whose ``next_fire_at`` has passed.

    Attributes:
        fire_at: the occurrence to run now, or None to skip everything that was missed.
        missed: due occurrences that get no run of their own.
        next_at: the schedule's next fire time after this decision (in the future).
    """

    fire_at: datetime | None
    missed: int
    next_at: datetime


def plan_firing(
    cron: str, timezone: str, *, due: datetime, now: datetime, policy: str, grace: timedelta
) -> Firing:
    """Decide what a schedule due at ``due`` does at ``now``.

    The newest due occurrence fires if it is at most ``grace`` late; older ones were missed.
    After a longer outage, ``skip`` fires nothing and ``run_once`` fires one run for the span.
    """
    latest, count = due, 1
    following = next_fire_time(cron, timezone, due)
    while following <= now and count < MAX_CATCH_UP:
        latest, count = following, count + 1
        following = next_fire_time(cron, timezone, following)
    if following <= now:  # gave up counting: jump straight past now
        following = next_fire_time(cron, timezone, now)
    on_time = now - latest <= grace
    if on_time or policy == "run_once":
        return Firing(latest, count - 1, following)
    return Firing(None, count, following)
