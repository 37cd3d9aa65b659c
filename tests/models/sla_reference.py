"""A reference for business time, written apart from engine/calendars.py and the SQL: it
steps through a stay one UTC minute at a time and asks, for each minute, whether the local
clock is inside an opening window of its day (or of the day before, for overnight windows)
and outside every holiday and closure.

The rule it implements (docs/sla.md): a window's edge is the first instant at which the
local clock reads that time or later; this finds it by stepping minutes too, so it needs
neither ``fold`` nor the production code's conversion. Opening hours are whole minutes and
offsets whole minutes, so openness is constant within a UTC minute; a stay's seconds inside
each minute are counted when that minute is open.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from ticketlake.config.calendars import Calendar

MINUTE = timedelta(minutes=1)


def _local(utc: datetime, zone: str) -> datetime:
    return utc.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None)


@cache
def edge(day: date, minutes: int, zone: str) -> datetime:
    """The first UTC minute at which the clock in ``zone`` reads ``day`` + ``minutes`` or later."""
    wall = datetime(day.year, day.month, day.day) + timedelta(minutes=minutes)
    moment = wall - timedelta(hours=16)  # no zone is 16 hours ahead of UTC
    while _local(moment, zone) < wall:
        moment += MINUTE
    return moment


@cache
def _holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


def _closed_days(calendar: Calendar, day: date) -> list[tuple[int, int]]:
    """The parts of local ``day`` (minutes) that holidays and closures close."""
    found = []
    spec = calendar.holidays
    if spec is not None and day in _holidays(spec.country, spec.subdivision, day.year):
        found.append((0, 1440))
    found += [(c.start, c.end) for c in calendar.closures if c.first <= day <= c.last]
    return found


def is_open(calendar: Calendar, zone: str, minute: datetime) -> bool:
    """Whether the UTC ``minute`` starting then is open."""
    today = _local(minute, zone).date()
    near = [today - timedelta(days=1), today, today + timedelta(days=1)]
    for day in near:
        for start, end in _closed_days(calendar, day):
            if edge(day, start, zone) <= minute < edge(day, end, zone):
                return False
    for day in near[:2]:
        for start, end in calendar.week_on(day)[day.weekday()]:
            if edge(day, start, zone) <= minute < edge(day, end, zone):
                return True
    return False


def business_seconds(calendar: Calendar, zone: str, entered: datetime, left: datetime) -> float:
    """Open seconds between ``entered`` and ``left`` (naive UTC)."""
    total = 0.0
    minute = entered.replace(second=0, microsecond=0)
    while minute < left:
        part = (min(left, minute + MINUTE) - max(entered, minute)).total_seconds()
        if part > 0 and is_open(calendar, zone, minute):
            total += part
        minute += MINUTE
    return total


def instant_reaching(calendar: Calendar, zone: str, start: datetime, needed: float) -> datetime:
    """The first instant after ``start`` by which ``needed`` open seconds (> 0) have passed."""
    total = 0.0
    minute = start.replace(second=0, microsecond=0)
    while True:
        begin = max(start, minute)
        part = (minute + MINUTE - begin).total_seconds()
        if is_open(calendar, zone, minute):
            if total + part >= needed:
                return begin + timedelta(seconds=needed - total)
            total += part
        minute += MINUTE
