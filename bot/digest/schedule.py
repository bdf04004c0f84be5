"""When digests are due: local times in IANA zones, correct across daylight-saving changes (pure)."""

from __future__ import annotations

import difflib
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

_TIME = re.compile(r"^(\d{1,2})[:.٫](\d{2})$")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


_AMPM = re.compile(r"^(\d{1,2})(?:[:.٫](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|ص|م|صباحا|صباحاً|مساء|مساءً)$", re.IGNORECASE)
_LOOKS_LIKE_TIME = re.compile(r"^[\d:.٫]+\s*[a-zA-Z.\u0600-\u06ff]{0,6}$")
_PM = ("pm", "p.m.", "م", "مساء", "مساءً")
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*[+\-−]\s*\d{1,2}(?::?\d{2})?$", re.IGNORECASE)
_HHMM = re.compile(r"^(\d{1,2})(\d{2})$")  # 0730, 1730
GIVEN_CHARS = 40  # what the user typed is quoted back, cut to this


class ScheduleError(ValueError):
    """A time or a time zone the user gave cannot be used; `key` and `params` say why, for the reply."""

    def __init__(self, message: str, key: str, **params: str) -> None:
        super().__init__(message)
        self.key = key
        self.params = params


def _fail(key: str, value: str, **params: str) -> ScheduleError:
    return ScheduleError(f"{value!r}: {key}", key, given=value.strip()[:GIVEN_CHARS], **params)


def parse_time(value: str) -> str:
    """'8:05', '08:05', '٠٨:٠٥' → '08:05'; anything else raises ScheduleError saying what is wrong."""
    raw = value.strip().translate(_DIGITS)
    ampm = _AMPM.match(raw)
    if ampm:  # 8am, 8:30 pm, 9 مساءً: say what it is in 24-hour time
        hours, minutes = int(ampm.group(1)), int(ampm.group(2) or 0)
        if 1 <= hours <= 12 and minutes <= 59:
            hours = hours % 12 + (12 if ampm.group(3).lower() in _PM else 0)
            raise _fail("subscribe_ampm", value, suggestion=f"{hours:02d}:{minutes:02d}")
    match = _TIME.match(raw)
    if not match:
        raise _fail("subscribe_bad_time", value)
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23:
        raise _fail("subscribe_bad_hour", value)
    if minutes > 59:
        raise _fail("subscribe_bad_minute", value)
    return f"{hours:02d}:{minutes:02d}"


def parse_zone(value: str) -> str:
    """An IANA zone name as the user typed it (any case), e.g. 'asia/riyadh' → 'Asia/Riyadh'; 'UTC' works.

    An offset (UTC+3, GMT-5) is refused with a pointer to a city zone: offsets do not follow daylight
    saving, and the POSIX names Etc/GMT+3 mean the opposite of what they seem (UTC−3).
    """
    name = value.strip()
    if _OFFSET.match(name.translate(_DIGITS)):
        raise _fail("subscribe_offset", value)
    if name.upper() in ("UTC", "GMT", "Z"):
        return "UTC"
    try:
        ZoneInfo(name)
        return name
    except (ZoneInfoNotFoundError, ValueError):
        pass
    lowered = name.lower()
    zones = _zones()
    for known in zones:
        if known.lower() == lowered:
            return known
    if "/" in name:
        by_lower = {known.lower(): known for known in zones if "/" in known and not known.startswith("Etc/")}
    else:  # "Riyadh", "cairo": the city part of a zone name
        by_lower = {
            known.rsplit("/", 1)[-1].lower(): known for known in zones if "/" in known and not known.startswith("Etc/")
        }
    close = difflib.get_close_matches(lowered.replace(" ", "_"), list(by_lower), n=1, cutoff=0.8)
    if close:
        raise _fail("subscribe_bad_zone_close", value, suggestion=by_lower[close[0]])
    if "/" not in name:
        raise _fail("subscribe_bad_time", value)  # neither a zone nor a city: most likely a time ("eight")
    raise _fail("subscribe_bad_zone", value)


def _zones() -> set[str]:
    return available_timezones()


def parse_subscribe_args(args: list[str]) -> tuple[str | None, str | None]:
    """The time and zone of `/subscribe [HH:MM] [Area/City]`, in either order; None for what is not given."""
    when: str | None = None
    zone: str | None = None
    words = [a for a in args if a.strip()]
    joined: list[str] = []
    for word in words:  # "8 am", "9 مساءً": one time in two words
        if joined and _AMPM.match(f"{joined[-1]} {word}".translate(_DIGITS)):
            joined[-1] = f"{joined[-1]} {word}"
        else:
            joined.append(word)
    for arg in joined:
        raw = arg.strip().translate(_DIGITS)
        hhmm = _HHMM.match(raw)
        if hhmm:  # 0730 or 1730: hours and minutes without the colon
            when = parse_time(f"{hhmm.group(1)}:{hhmm.group(2)}")
        elif raw.isdigit():
            if len(raw) > 2:
                raise _fail("subscribe_bad_time", arg)
            when = parse_time(f"{raw}:00")
        elif _LOOKS_LIKE_TIME.match(raw) and "/" not in raw and not _OFFSET.match(raw):
            when = parse_time(arg)
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
