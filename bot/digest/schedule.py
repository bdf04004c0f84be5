"""When digests are due: local times in IANA zones, correct across daylight-saving changes (pure)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

_TIME = re.compile(r"^(\d{1,2})[:.٫](\d{2})$")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


class ScheduleError(ValueError):
    """A time or a time zone the user gave cannot be used."""

    def __init__(self, message: str, key: str) -> None:
        super().__init__(message)
        self.key = key


def parse_time(value: str) -> str:
    """'8:05', '08:05', '٠٨:٠٥' → '08:05'; anything else raises ScheduleError."""
    match = _TIME.match(value.strip().translate(_DIGITS))
    if not match:
        raise ScheduleError(f"{value!r} is not a time", "subscribe_bad_time")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        raise ScheduleError(f"{value!r} is not a time", "subscribe_bad_time")
    return f"{hours:02d}:{minutes:02d}"


def parse_zone(value: str) -> str:
    """An IANA zone name as the user typed it (any case), e.g. 'asia/riyadh' → 'Asia/Riyadh'; 'UTC' works."""
    name = value.strip()
    if name.upper() in ("UTC", "GMT", "Z"):
        return "UTC"
    try:
        ZoneInfo(name)
        return name
    except (ZoneInfoNotFoundError, ValueError):
        pass
    lowered = name.lower()
    for known in _zones():
        if known.lower() == lowered:
            return known
    raise ScheduleError(f"{value!r} is not a time zone", "subscribe_bad_zone")


def _zones() -> set[str]:
    return available_timezones()


def parse_subscribe_args(args: list[str]) -> tuple[str | None, str | None]:
    """The time and zone of `/subscribe [HH:MM] [Area/City]`, in either order; None for what is not given."""
    when: str | None = None
    zone: str | None = None
    for arg in args:
        if _TIME.match(arg.strip().translate(_DIGITS)) or arg.strip().translate(_DIGITS).isdigit():
            when = parse_time(arg if ":" in arg or "." in arg else f"{arg}:00")
        else:
            zone = parse_zone(arg)
    return when, zone


def local_datetime(day: date, hhmm: str, zone: str) -> datetime:
    """The aware datetime of HH:MM on a local day (a time skipped by a DST change falls just after it)."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    tz = ZoneInfo(zone)
    naive = datetime.combine(day, time(hours, minutes))
    aware = naive.replace(tzinfo=tz)
    # Times in a spring-forward gap do not exist: round-trip through UTC to land on a real instant.
    return aware.astimezone(UTC).astimezone(tz)


def next_due(hhmm: str, zone: str, after: datetime) -> datetime:
    """The first HH:MM local time strictly after `after`, as a UTC datetime."""
    tz = ZoneInfo(zone)
    day = after.astimezone(tz).date()
    for offset in range(3):
        candidate = local_datetime(day + timedelta(days=offset), hhmm, zone)
        if candidate > after:
            return candidate.astimezone(UTC)
    raise AssertionError("unreachable: a local time recurs every day")


def local_day(moment: datetime, zone: str) -> str:
    """The local calendar day (YYYY-MM-DD) of a moment in a zone."""
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d")
