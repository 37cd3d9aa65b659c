"""Business calendars as open intervals in UTC: the ``cfg_calendar_windows`` table.

Each local day's windows are converted to UTC on that day with ``zoneinfo``, so daylight
saving comes from the time-zone database, never from arithmetic on minutes of the week. A
local time the clock skips (02:30 on the spring change) is the instant the clock jumps; one it
shows twice (02:30 in autumn) is its first occurrence: in both cases, the first instant at
which the clock reads that time or later. Windows that overlap are one interval; holidays and
closed dates or part-days are cut out. Each interval carries the running total of open
seconds up to its end, so the models find the business time between two instants from two
look-ups, and later the instant a target is crossed.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pyarrow as pa

from ticketlake.config import Settings
from ticketlake.config.calendars import Calendar

Span = tuple[date, date]  # first and last local day the windows cover


class Interval(NamedTuple):
    """An open interval in naive UTC, and the local day on which its first window opens."""

    day: date
    opens_at: datetime
    closes_at: datetime


WINDOWS_SCHEMA = pa.schema([
    ("calendar", pa.string()),
    ("window_number", pa.int64()),
    ("local_day", pa.date32()),
    ("opens_at", pa.timestamp("us")),
    ("closes_at", pa.timestamp("us")),
    ("open_seconds", pa.int64()),
    ("running_seconds", pa.int64()),
])  # fmt: skip
YEARS_SCHEMA = pa.schema(
    [("calendar", pa.string()), ("year", pa.int64()), ("windows_before", pa.int64())]
)


def span_of(first_year: int | None, last_year: int | None) -> Span | None:
    """The local days windows cover for events from ``first_year`` (the year of two days
    before the earliest, so every time zone's local day of it is inside) to ``last_year``:
    whole years, through the year after the last, so the table changes only when the events
    reach a new year, and a target can still be met after the last event."""
    if first_year is None or last_year is None:
        return None
    return date(first_year, 1, 1), date(last_year + 1, 12, 31)


def instant(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """Naive UTC instant at which the clock in ``zone`` first reads ``minutes`` after the
    local midnight of ``day`` (or later, when the clock skips that time)."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
    utc = wall.replace(tzinfo=zone).astimezone(UTC)  # fold 0: the first of a repeated time
    if utc.astimezone(zone).replace(tzinfo=None) == wall:
        return utc.replace(tzinfo=None)
    return _jump(wall, zone)


def _jump(wall: datetime, zone: ZoneInfo) -> datetime:
    """The instant the clock jumps over ``wall``, a time in a gap: between its reading with
    the offset after the change and with the one before, found to the second."""
    low = int(wall.replace(tzinfo=zone, fold=1).astimezone(UTC).timestamp())
    high = int(wall.replace(tzinfo=zone, fold=0).astimezone(UTC).timestamp())
    while low < high:
        middle = (low + high) // 2
        reads = datetime.fromtimestamp(middle, zone).replace(tzinfo=None)
        low, high = (low, middle) if reads >= wall else (middle + 1, high)
    return datetime.fromtimestamp(low, UTC).replace(tzinfo=None)


def _days(span: Span) -> Iterator[date]:
    day = span[0]
    while day <= span[1]:
        yield day
        day += timedelta(days=1)


def _windows(calendar: Calendar, zone: ZoneInfo, span: Span) -> list[Interval]:
    """Every window of the weekly hours in force on each local day, in UTC."""
    found = []
    for day in _days(span):
        for start, end in calendar.week_on(day)[day.weekday()]:
            found.append(Interval(day, instant(day, start, zone), instant(day, end, zone)))
    return found


def _closed(calendar: Calendar, zone: ZoneInfo, span: Span) -> list[Interval]:
    """The holidays and explicit closures inside ``span``, in UTC."""
    found = [
        Interval(d, instant(d, 0, zone), instant(d, 1440, zone)) for d in _holidays(calendar, span)
    ]
    for closure in calendar.closures:
        for day in _days((max(closure.first, span[0]), min(closure.last, span[1]))):
            found.append(
                Interval(day, instant(day, closure.start, zone), instant(day, closure.end, zone))
            )
    return found


def _holidays(calendar: Calendar, span: Span) -> list[date]:
    """The public holidays of the calendar's country and subdivision inside ``span``."""
    if calendar.holidays is None:
        return []
    import holidays  # noqa: PLC0415  (only calendars with holidays need the package)

    years = range(span[0].year, span[1].year + 1)
    found = holidays.country_holidays(
        calendar.holidays.country, subdiv=calendar.holidays.subdivision, years=years
    )
    return sorted(d for d in found if span[0] <= d <= span[1])


def _union(intervals: list[Interval]) -> list[Interval]:
    """Overlapping intervals as one (touching ones stay apart: a day ends where the next
    begins); each keeps the local day of its first window."""
    merged: list[Interval] = []
    for item in sorted(intervals, key=lambda i: (i.opens_at, i.closes_at)):
        if item.opens_at >= item.closes_at:
            continue
        if merged and item.opens_at < merged[-1].closes_at:
            last = merged[-1]
            merged[-1] = last._replace(closes_at=max(last.closes_at, item.closes_at))
        else:
            merged.append(item)
    return merged


def _subtract(opened: list[Interval], closed: list[Interval]) -> list[Interval]:
    """``opened`` without ``closed`` (both sorted and without overlaps)."""
    out, first = [], 0
    for day, opens_at, end in opened:
        while first < len(closed) and closed[first].closes_at <= opens_at:
            first += 1
        start, at = opens_at, first
        while at < len(closed) and closed[at].opens_at < end:
            if closed[at].opens_at > start:
                out.append(Interval(day, start, closed[at].opens_at))
            start = max(start, closed[at].closes_at)
            at += 1
        if start < end:
            out.append(Interval(day, start, end))
    return out


def open_intervals(calendar: Calendar, timezone: str, span: Span) -> list[Interval]:
    """The calendar's open intervals over the local days of ``span``, in time order."""
    zone = ZoneInfo(timezone)
    return _subtract(_union(_windows(calendar, zone, span)), _union(_closed(calendar, zone, span)))


def windows_table(settings: Settings, span: Span | None) -> pa.Table:
    """``cfg_calendar_windows``: every calendar's open intervals over ``span``, numbered in
    time order, with their length and the running total of open seconds up to their end."""
    rows: list[dict[str, object]] = []
    for name, (calendar, timezone) in settings.business_calendars().items():
        total = 0
        found = open_intervals(calendar, timezone, span) if span else []
        for number, (day, opens_at, closes_at) in enumerate(found, start=1):
            seconds = int((closes_at - opens_at).total_seconds())
            total += seconds
            rows.append({
                "calendar": name, "window_number": number, "local_day": day,
                "opens_at": opens_at, "closes_at": closes_at,
                "open_seconds": seconds, "running_seconds": total,
            })  # fmt: skip
    return pa.Table.from_pylist(rows, schema=WINDOWS_SCHEMA)


def years_table(windows: pa.Table, span: Span | None) -> pa.Table:
    """``cfg_calendar_years``: per calendar and UTC year around ``span``, the number of its
    windows that opened before the year began, so a model can look windows up within a year
    (sorting each year apart) and still find the last window of an earlier one."""
    opened: dict[str, list[datetime]] = {}
    for name, opens_at in zip(
        windows["calendar"].to_pylist(), windows["opens_at"].to_pylist(), strict=True
    ):
        opened.setdefault(name, []).append(opens_at)
    rows = [
        {
            "calendar": name,
            "year": year,
            "windows_before": bisect_left(starts, datetime(year, 1, 1)),
        }
        for name, starts in opened.items()
        for year in (range(span[0].year - 1, span[1].year + 2) if span else ())
    ]
    return pa.Table.from_pylist(rows, schema=YEARS_SCHEMA)


def calendars_table(settings: Settings) -> pa.Table:
    """``cfg_calendars``: every calendar's name and time zone."""
    found = settings.business_calendars()
    return pa.table({
        "calendar": list(found), "timezone": [zone for _, zone in found.values()],
    })  # fmt: skip
