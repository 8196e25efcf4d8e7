"""Reading, writing and shifting dates with time zones (IANA names through ``zoneinfo``).

A value is read as ISO 8601 text (``2024-05-01``, ``2024-05-01T10:00:00+02:00``, ``…Z``),
as a number of seconds since 1970 (UTC), or with an explicit ``strftime`` pattern. Values
without an offset are taken to be in the given zone (UTC unless said otherwise).
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta, tzinfo
from email.utils import format_datetime as rfc2822
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: Named output formats; any other text is a ``strftime`` pattern.
PRESETS = ("iso", "iso_date", "iso_time", "epoch", "epoch_ms", "rfc2822", "human")
#: Named input formats; any other text is a ``strptime`` pattern.
INPUTS = ("auto", "iso", "epoch", "epoch_ms")
Unit = Literal["seconds", "minutes", "hours", "days", "weeks", "months", "years"]
_ELAPSED = {"seconds": 1, "minutes": 60, "hours": 3600}


def zone(name: str | None) -> tzinfo:
    """The time zone called ``name`` (``UTC`` when empty).

    Raises:
        ValueError: an unknown zone name.
    """
    if not name or name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} (use an IANA name such as Europe/Madrid)"
        ) from None


def parse_datetime(value: Any, fmt: str = "auto", tz: tzinfo = UTC) -> datetime:
    """An aware datetime from ``value``.

    Raises:
        ValueError: the value is not a date in that format.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if fmt not in ("auto", "epoch", "epoch_ms"):
            raise ValueError(f"{value!r} is a number, not text in the format {fmt!r}")
        seconds = value / 1000 if fmt == "epoch_ms" else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"{value!r} is out of the range of dates") from None
    elif isinstance(value, str):
        parsed = _parse_text(value.strip(), fmt)
    else:
        raise ValueError(f"{type(value).__name__} is not a date")
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz)


def _parse_text(text: str, fmt: str) -> datetime:
    if fmt in ("epoch", "epoch_ms"):
        try:
            return parse_datetime(float(text), fmt)
        except ValueError:
            raise ValueError(f"{text!r} is not a number of seconds") from None
    if fmt in ("auto", "iso"):
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text!r} is not an ISO 8601 date") from None
    try:
        return datetime.strptime(text, fmt)
    except ValueError:
        raise ValueError(f"{text!r} does not match the format {fmt!r}") from None


def format_datetime(moment: datetime, fmt: str) -> str | int | float:
    """``moment`` in a preset format (see ``PRESETS``) or a ``strftime`` pattern."""
    if fmt == "iso":
        return moment.isoformat()
    if fmt == "iso_date":
        return moment.date().isoformat()
    if fmt == "iso_time":
        return moment.timetz().isoformat()
    if fmt == "epoch":
        stamp = moment.timestamp()
        return int(stamp) if stamp.is_integer() else stamp
    if fmt == "epoch_ms":
        return round(moment.timestamp() * 1000)
    if fmt == "rfc2822":
        return rfc2822(moment)
    if fmt == "human":
        return moment.strftime("%d %b %Y %H:%M %Z").strip()
    return moment.strftime(fmt)


def shift(moment: datetime, amount: float, unit: Unit) -> datetime:
    """``moment`` moved by ``amount`` units.

    Seconds, minutes and hours move elapsed time (an hour is 3,600 s even across a DST change);
    days and longer move the calendar in the value's own zone (a day later is the same wall-clock
    time), and a month after 31 January is the last day of February.

    Raises:
        ValueError: a fractional number of months or years, or a result out of range.
    """
    try:
        if unit in _ELAPSED:
            seconds = timedelta(seconds=amount * _ELAPSED[unit])
            return (moment.astimezone(UTC) + seconds).astimezone(moment.tzinfo)
        if unit in ("days", "weeks"):
            return moment + timedelta(**{unit: amount})
        if not float(amount).is_integer():
            raise ValueError(f"{unit} must be shifted by a whole number, got {amount!r}")
        months = int(amount) * (12 if unit == "years" else 1)
        index = moment.month - 1 + months
        year, month = moment.year + index // 12, index % 12 + 1
        day = min(moment.day, calendar.monthrange(year, month)[1])
        return moment.replace(year=year, month=month, day=day)
    except OverflowError:
        raise ValueError("the shifted date is out of the range of dates") from None
