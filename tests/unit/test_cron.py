"""Schedule arithmetic: next fire times across DST, and the decision for a due schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kyra.cron import next_fire_time, plan_firing

GRACE = timedelta(seconds=60)


def test_next_fire_time_follows_the_wall_clock_of_the_time_zone_across_dst() -> None:
    before = datetime(2026, 3, 28, 12, tzinfo=UTC)
    first = next_fire_time("0 9 * * *", "Europe/Madrid", before)
    second = next_fire_time("0 9 * * *", "Europe/Madrid", first)
    assert first == datetime(2026, 3, 29, 7, tzinfo=UTC)  # 09:00 CEST (UTC+2)
    assert second == datetime(2026, 3, 30, 7, tzinfo=UTC)
    winter = next_fire_time("0 9 * * *", "Europe/Madrid", datetime(2026, 1, 5, tzinfo=UTC))
    assert winter == datetime(2026, 1, 5, 8, tzinfo=UTC)  # 09:00 CET (UTC+1)


def test_a_slightly_late_occurrence_still_fires() -> None:
    due = datetime(2026, 1, 1, 12, tzinfo=UTC)
    firing = plan_firing(
        "* * * * *", "UTC", due=due, now=due + timedelta(seconds=5), policy="skip", grace=GRACE
    )
    assert (firing.fire_at, firing.missed) == (due, 0)
    assert firing.next_at == due + timedelta(minutes=1)


def test_skip_fires_nothing_when_the_newest_occurrence_is_past_the_grace() -> None:
    firing = plan_firing(
        "0 0 * * *", "UTC", due=datetime(2026, 1, 1, tzinfo=UTC),
        now=datetime(2026, 1, 4, 6, tzinfo=UTC), policy="skip", grace=GRACE,
    )  # fmt: skip
    assert firing.fire_at is None
    assert firing.missed == 4
    assert firing.next_at == datetime(2026, 1, 5, tzinfo=UTC)


def test_run_once_fires_the_newest_missed_occurrence_and_counts_the_rest() -> None:
    firing = plan_firing(
        "0 0 * * *", "UTC", due=datetime(2026, 1, 1, tzinfo=UTC),
        now=datetime(2026, 1, 4, 6, tzinfo=UTC), policy="run_once", grace=GRACE,
    )  # fmt: skip
    assert firing.fire_at == datetime(2026, 1, 4, tzinfo=UTC)
    assert firing.missed == 3
    assert firing.next_at == datetime(2026, 1, 5, tzinfo=UTC)


def test_a_very_long_outage_of_a_per_second_cron_is_not_counted_forever() -> None:
    now = datetime(2026, 1, 8, tzinfo=UTC)
    firing = plan_firing(
        "* * * * * *", "UTC", due=datetime(2026, 1, 1, tzinfo=UTC), now=now,
        policy="skip", grace=GRACE,
    )  # fmt: skip
    assert firing.next_at > now
    assert firing.next_at - now <= timedelta(seconds=1)
